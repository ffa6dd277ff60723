import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface S3FaultProxyOptions {
  /** The emulator's base URL, e.g. `http://127.0.0.1:4566`. */
  target: string;
}

/**
 * An HTTP proxy in front of the S3/SQS emulator that can make S3 throttle: the emulator cannot inject
 * errors itself. Point a service's `AWS_ENDPOINT_URL` at `url`; SQS requests always pass through.
 */
export interface S3FaultProxy {
  url: string;
  /** Answers the next `requests` S3 requests with 503 `SlowDown`, as S3 does when a prefix is too busy. */
  throttle(requests: number): void;
  /** S3 requests answered with `SlowDown` so far. */
  readonly throttled: number;
  /** S3 requests still to be throttled. */
  readonly pendingThrottles: number;
  close(): Promise<void>;
}

/** SQS speaks the AWS JSON protocol (`X-Amz-Target: AmazonSQS.*`) or the query protocol (a form body). */
export function isSqsRequest(headers: IncomingMessage['headers']): boolean {
  const target = headers['x-amz-target'];
  if (typeof target === 'string' && target.startsWith('AmazonSQS.')) return true;
  return String(headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
}

/** S3's error body for throttling, as the SDK parses it (`Code` becomes the error's name). */
export function slowDownBody(resource: string, requestId: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message>',
    `<Resource>${resource.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Resource>`,
    `<RequestId>${requestId}</RequestId><HostId>trailstream-s3-fault-proxy</HostId></Error>`,
  ].join('');
}

export async function startS3FaultProxy(options: S3FaultProxyOptions): Promise<S3FaultProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  let pending = 0;
  let throttled = 0;

  const answerSlowDown = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    // Read the request to its end first, so the client sees an answer rather than a reset socket.
    incoming.resume();
    incoming.once('end', () => {
      const requestId = randomUUID();
      outgoing.writeHead(503, {
        'content-type': 'application/xml',
        'x-amz-request-id': requestId,
        'retry-after': '1',
      });
      outgoing.end(slowDownBody(incoming.url ?? '/', requestId));
    });
  };

  const forward = (incoming: IncomingMessage, outgoing: ServerResponse) => {
    const upstream = request(
      {
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
        agent,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.once('error', (error) => {
      if (!outgoing.headersSent) outgoing.writeHead(502, { 'content-type': 'text/plain' });
      outgoing.end(`s3 fault proxy: upstream failed: ${error.message}`);
    });
    incoming.pipe(upstream);
  };

  const server = createServer((incoming, outgoing) => {
    if (pending > 0 && !isSqsRequest(incoming.headers)) {
      pending -= 1;
      throttled += 1;
      answerSlowDown(incoming, outgoing);
      return;
    }
    forward(incoming, outgoing);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    throttle(requests) {
      pending += requests;
    },
    get throttled() {
      return throttled;
    },
    get pendingThrottles() {
      return pending;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
      agent.destroy();
    },
  };
}
