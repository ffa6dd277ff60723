import { randomUUID } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StsTrustProxyOptions {
  /** The emulator's base URL, e.g. `http://127.0.0.1:4566`. */
  target: string;
  /**
   * The roles that trust the caller, each with the external id its trust policy's `sts:ExternalId`
   * condition asks for (null: no condition). moto lets anyone assume any role; this is the check it lacks.
   */
  trust: Readonly<Record<string, string | null>>;
}

export interface AssumeRoleCall {
  roleArn: string;
  sessionName: string;
  durationSeconds: number | null;
  allowed: boolean;
}

export interface SignedRequest {
  /** The access key id in the request's SigV4 `Authorization` header. */
  accessKeyId: string | null;
  method: string;
  path: string;
}

/**
 * An HTTP proxy in front of the emulator that enforces role trust policies on `sts:AssumeRole`
 * (answering `AccessDenied` as STS does) and records which access key signed every request.
 */
export interface StsTrustProxy {
  url: string;
  readonly assumeRoleCalls: readonly AssumeRoleCall[];
  readonly requests: readonly SignedRequest[];
  close(): Promise<void>;
}

/** STS's query-protocol error body, as the SDK parses it (`Code` becomes the error's name). */
function accessDeniedBody(roleArn: string, requestId: string): string {
  const message = `User: arn:aws:iam::123456789012:user/moto is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`;
  return [
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">',
    `<Error><Type>Sender</Type><Code>AccessDenied</Code><Message>${message.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</Message></Error>`,
    `<RequestId>${requestId}</RequestId></ErrorResponse>`,
  ].join('');
}

const CREDENTIAL = /Credential=([A-Za-z0-9]+)\//;

export async function startStsTrustProxy(options: StsTrustProxyOptions): Promise<StsTrustProxy> {
  const target = new URL(options.target);
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const assumeRoleCalls: AssumeRoleCall[] = [];
  const requests: SignedRequest[] = [];

  const forward = (incoming: IncomingMessage, body: Buffer, outgoing: ServerResponse) => {
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
      outgoing.end(`sts trust proxy: upstream failed: ${error.message}`);
    });
    upstream.end(body);
  };

  /** The AssumeRole call a query-protocol body makes, or null for any other request. */
  const assumeRoleIn = (body: Buffer): (AssumeRoleCall & { externalId: string | null }) | null => {
    const form = new URLSearchParams(body.toString('utf8'));
    if (form.get('Action') !== 'AssumeRole') return null;
    const roleArn = form.get('RoleArn') ?? '';
    const externalId = form.get('ExternalId');
    const duration = form.get('DurationSeconds');
    const trusted = Object.hasOwn(options.trust, roleArn);
    return {
      roleArn,
      sessionName: form.get('RoleSessionName') ?? '',
      durationSeconds: duration === null ? null : Number(duration),
      externalId,
      allowed: trusted && options.trust[roleArn] === externalId,
    };
  };

  const server = createServer((incoming, outgoing) => {
    const authorization = incoming.headers.authorization ?? '';
    requests.push({
      accessKeyId: CREDENTIAL.exec(authorization)?.[1] ?? null,
      method: incoming.method ?? '',
      path: incoming.url ?? '/',
    });
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.once('end', () => {
      const body = Buffer.concat(chunks);
      const call = String(incoming.headers['content-type'] ?? '').startsWith(
        'application/x-www-form-urlencoded',
      )
        ? assumeRoleIn(body)
        : null;
      if (call) {
        const { externalId: _sent, ...recorded } = call;
        assumeRoleCalls.push(recorded);
        if (!call.allowed) {
          const requestId = randomUUID();
          outgoing.writeHead(403, { 'content-type': 'text/xml', 'x-amzn-requestid': requestId });
          outgoing.end(accessDeniedBody(call.roleArn, requestId));
          return;
        }
      }
      forward(incoming, body, outgoing);
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    assumeRoleCalls,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((closed) => server.close(() => closed()));
      agent.destroy();
    },
  };
}
