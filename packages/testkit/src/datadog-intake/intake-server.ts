import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gunzip, inflate } from 'node:zlib';
import { logLimits } from '@trailstream/datadog';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { type Fault, FaultScript, type IntakeEndpoint, parseFaults } from './fault-script.js';
import { checkEventPayload, checkLogBatch } from './payload-checks.js';
import { IntakeRecording, type IntakeSnapshot } from './recording.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);

export interface DatadogIntakeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  /** Keys answered with 202; any other key gets 403. Empty or absent: every non-empty key is accepted. */
  apiKeys?: readonly string[];
  now?: () => number;
}

/** A running recording intake. Everything here is also reachable over HTTP under `/intake/`. */
export interface DatadogIntake {
  /** Base URL to give the client as its Datadog URL override. */
  url: string;
  snapshot(): IntakeSnapshot;
  addFaults(faults: readonly Fault[]): void;
  setApiKeys(keys: readonly string[]): void;
  /** Forgets what was recorded and every pending fault; keeps the keys. */
  reset(): void;
  close(): Promise<void>;
}

const forbidden = { errors: ['Forbidden'] };
const rateLimitPerPeriod = 1000;

/** Datadog's two error body styles: the v1 API lists strings, the logs intake lists JSON:API objects. */
function errorBody(endpoint: IntakeEndpoint, status: number, errors: string[]): unknown {
  if (endpoint !== 'logs') return { errors };
  return { errors: errors.map((detail) => ({ status: String(status), title: 'Bad Request', detail })) };
}

async function decodeBody(request: FastifyRequest): Promise<Buffer> {
  const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  const encoding = String(request.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding === 'gzip') return gunzipAsync(raw);
  if (encoding === 'deflate') return inflateAsync(raw);
  return raw;
}

function presentedKey(request: FastifyRequest): string | undefined {
  const header = request.headers['dd-api-key'];
  return Array.isArray(header) ? header[0] : header;
}

export async function startDatadogIntake(options: DatadogIntakeOptions = {}): Promise<DatadogIntake> {
  const now = options.now ?? Date.now;
  const recording = new IntakeRecording();
  const faults = new FaultScript();
  let apiKeys = new Set(options.apiKeys ?? []);

  const app = Fastify({ logger: false, forceCloseConnections: true });
  app.removeAllContentTypeParsers();
  // Bodies arrive compressed or not: take bytes, decode per Content-Encoding in the handler.
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 * 1024 }, (_request, body, done) =>
    done(null, body),
  );

  const answer = (reply: FastifyReply, endpoint: IntakeEndpoint, status: number, body: unknown) => {
    recording.countResponse(endpoint, status);
    return reply.code(status).send(body);
  };

  const refuse = (reply: FastifyReply, endpoint: IntakeEndpoint, status: number, errors: string[]) => {
    recording.reject({ endpoint, status, errors, receivedAt: now() });
    return answer(reply, endpoint, status, errorBody(endpoint, status, errors));
  };

  /** Plays the scripted fault for this request; true when it already answered. */
  async function playFault(
    endpoint: IntakeEndpoint,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<boolean> {
    const fault = faults.take(endpoint);
    if (fault === null) return false;
    switch (fault.kind) {
      case 'slow':
        await sleep(fault.delayMs);
        return false;
      case 'drop':
        recording.countResponse(endpoint, 0);
        reply.hijack();
        request.raw.socket.destroy();
        return true;
      case 'rate-limit':
        reply.headers({
          'x-ratelimit-limit': String(rateLimitPerPeriod),
          'x-ratelimit-period': '60',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': String(fault.resetSeconds),
          'x-ratelimit-name': endpoint === 'events' ? 'event_intake' : 'logs_intake',
        });
        await answer(reply, endpoint, 429, { errors: ['Too many requests'] });
        return true;
      case 'endless-body': {
        recording.countResponse(endpoint, fault.status);
        reply.hijack();
        const response = reply.raw;
        response.writeHead(fault.status, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => {
          while (!response.destroyed && response.write(chunk));
          if (!response.destroyed) response.once('drain', pump);
        };
        pump();
        return true;
      }
      case 'error':
        if (fault.status >= 300 && fault.status < 400)
          reply.header('location', `https://elsewhere.example${request.url}`);
        if (fault.status === 407) reply.header('proxy-authenticate', 'Basic realm="proxy"');
        await answer(
          reply,
          endpoint,
          fault.status,
          errorBody(endpoint, fault.status, ['Internal Server Error']),
        );
        return true;
    }
  }

  const keyIsAccepted = (request: FastifyRequest) => {
    const key = presentedKey(request);
    return key !== undefined && key.length > 0 && (apiKeys.size === 0 || apiKeys.has(key));
  };

  app.post('/api/v1/events', async (request, reply) => {
    if (await playFault('events', request, reply)) return reply;
    if (!keyIsAccepted(request)) return answer(reply, 'events', 403, forbidden);
    const text = (await decodeBody(request)).toString('utf8');
    const poison = faults.poisonIn('events', text);
    if (poison !== null)
      return refuse(reply, 'events', 400, [`payload contains the rejected text ${poison}`]);
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      return refuse(reply, 'events', 400, ['body is not valid JSON']);
    }
    const errors = checkEventPayload(payload, Math.floor(now() / 1000));
    if (errors.length > 0) return refuse(reply, 'events', 400, errors);
    const fields = payload as Record<string, unknown>;
    const event = recording.acceptEvent(fields, now());
    return answer(reply, 'events', 202, {
      status: 'ok',
      event: {
        id: event.id,
        id_str: String(event.id),
        title: fields.title,
        text: fields.text,
        date_happened: fields.date_happened ?? Math.floor(now() / 1000),
        handle: null,
        priority: fields.priority ?? 'normal',
        related_event_id: null,
        tags: fields.tags ?? [],
        url: `https://app.datadoghq.com/event/event?id=${event.id}`,
      },
    });
  });

  app.post('/api/v2/logs', async (request, reply) => {
    if (await playFault('logs', request, reply)) return reply;
    if (!keyIsAccepted(request)) return answer(reply, 'logs', 403, forbidden);
    let body: Buffer;
    try {
      body = await decodeBody(request);
    } catch {
      return refuse(reply, 'logs', 400, ['body does not decompress']);
    }
    const poison = faults.poisonIn('logs', body.toString('utf8'));
    if (poison !== null) return refuse(reply, 'logs', 400, [`payload contains the rejected text ${poison}`]);
    const check = checkLogBatch(body, now());
    if (!check.ok) return refuse(reply, 'logs', check.status, check.errors);
    const receivedAt = now();
    for (const entry of check.entries) {
      recording.acceptLog(entry, Buffer.byteLength(JSON.stringify(entry)) > logLimits.entryBytes, receivedAt);
    }
    return answer(reply, 'logs', 202, {});
  });

  app.get('/api/v1/validate', async (request, reply) => {
    if (await playFault('validate', request, reply)) return reply;
    if (!keyIsAccepted(request)) return answer(reply, 'validate', 403, forbidden);
    return answer(reply, 'validate', 200, { valid: true });
  });

  const parseJson = (request: FastifyRequest): unknown =>
    JSON.parse(Buffer.isBuffer(request.body) ? request.body.toString('utf8') : 'null');

  app.get('/intake/recording', async () => recording.snapshot());
  app.post('/intake/reset', async () => {
    recording.clear();
    faults.clear();
    return { reset: true };
  });
  app.post('/intake/faults', async (request, reply) => {
    try {
      faults.add(parseFaults(parseJson(request)));
    } catch (error) {
      return reply.code(400).send({ error: (error as Error).message });
    }
    return { pending: faults.pending };
  });
  app.put('/intake/api-keys', async (request, reply) => {
    const body = (() => {
      try {
        return parseJson(request);
      } catch {
        return null;
      }
    })();
    const keys = typeof body === 'object' && body !== null ? (body as { keys?: unknown }).keys : undefined;
    if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) {
      return reply.code(400).send({ error: 'expected {"keys": ["..."]}' });
    }
    apiKeys = new Set(keys);
    return { keys: keys.length };
  });

  const address = await app.listen({ port: options.port ?? 0, host: options.host ?? '127.0.0.1' });
  return {
    url: address,
    snapshot: () => recording.snapshot(),
    addFaults: (list) => faults.add(list),
    setApiKeys: (keys) => {
      apiKeys = new Set(keys);
    },
    reset: () => {
      recording.clear();
      faults.clear();
    },
    close: () => app.close(),
  };
}
