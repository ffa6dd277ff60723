import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { type Dispatcher, EnvHttpProxyAgent, request } from 'undici';
import type { ApiKey } from './api-key.js';
import { type EventPayload, type LogEntry, logBatchBody } from './payloads.js';
import {
  type AttemptOutcome,
  classifyResponse,
  classifyTransportError,
  describeResponse,
  type ResponseHeaders,
} from './response-classification.js';
import { type DatadogEndpoints, type DatadogTarget, resolveDatadogEndpoints } from './sites.js';

const gzipAsync = promisify(gzip);
export const DEFAULT_LOGS_GZIP_LEVEL = 1;

export type DatadogEndpointName = keyof DatadogEndpoints;

/** One finished HTTP exchange, for latency metrics; never carries the key or the payload. */
export interface RequestObservation {
  endpoint: DatadogEndpointName;
  /** HTTP status, or null when the request failed before an answer. */
  status: number | null;
  durationMs: number;
}

export interface DatadogClientOptions {
  target: DatadogTarget;
  apiKey: ApiKey;
  /** Whole-request timeout: connect, headers and body. */
  timeoutMs: number;
  /**
   * gzip level of logs requests (1-9, default 1). Level 1 costs half the CPU of zlib's default 6 on a
   * batch of CloudTrail logs for about a fifth more bytes (15.6% of the JSON against 12.8%).
   */
  logsGzipLevel?: number;
  /** Connections kept per origin; bounds the requests in flight. */
  connections?: number;
  /** Defaults to a dispatcher honouring HTTPS_PROXY / HTTP_PROXY / NO_PROXY. */
  dispatcher?: Dispatcher;
  onRequest?: (observation: RequestObservation) => void;
  now?: () => number;
}

export type KeyCheck =
  | { kind: 'valid' }
  | { kind: 'invalid'; status: number }
  /** The address answered with a status no key causes (a wrong path, a redirect, a proxy): see `fix`. */
  | { kind: 'misconfigured'; status: number; reason: string; fix: string }
  | { kind: 'unknown'; reason: string };

/** Datadog's error bodies are short; a longer one (a proxy's page, an endless stream) is cut here. */
const RESPONSE_BODY_CAP_BYTES = 64 * 1024;

/** The body's first `cap` bytes as text; the rest is not read (the connection is closed instead). */
async function readCapped(
  body: AsyncIterable<Buffer> & { destroy(): unknown },
  cap: number,
): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    chunks.push(chunk);
    size += chunk.byteLength;
    if (size >= cap) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(chunks).subarray(0, cap).toString('utf8');
}

/**
 * Datadog's Events API v1, logs intake v2 and key validation, one attempt per call. Retries, splitting and
 * narrowing are decided by `delivery.ts` from the outcome each call returns.
 */
export class DatadogClient {
  readonly endpoints: DatadogEndpoints;
  #apiKey: ApiKey;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #options: DatadogClientOptions;
  readonly #now: () => number;

  constructor(options: DatadogClientOptions) {
    this.endpoints = resolveDatadogEndpoints(options.target);
    this.#apiKey = options.apiKey;
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new EnvHttpProxyAgent({ connections: options.connections ?? 16, keepAliveTimeout: 30_000 });
  }

  /** Swaps the key, e.g. after a mounted secret was rotated. */
  useApiKey(apiKey: ApiKey): void {
    this.#apiKey = apiKey;
  }

  sendEvent(payload: EventPayload, signal?: AbortSignal): Promise<AttemptOutcome> {
    return this.#post('events', Buffer.from(JSON.stringify(payload)), {}, signal);
  }

  async sendLogs(entries: readonly LogEntry[], signal?: AbortSignal): Promise<AttemptOutcome> {
    const body = await gzipAsync(Buffer.from(logBatchBody(entries)), {
      level: this.#options.logsGzipLevel ?? DEFAULT_LOGS_GZIP_LEVEL,
    });
    return this.#post('logs', body, { 'content-encoding': 'gzip' }, signal);
  }

  async validateKey(signal?: AbortSignal): Promise<KeyCheck> {
    try {
      const response = await this.#exchange('validate', 'GET', undefined, {}, signal);
      if (response.status === 200) return { kind: 'valid' };
      if (response.status === 401 || response.status === 403)
        return { kind: 'invalid', status: response.status };
      const outcome = classifyResponse(response.status, response.headers, response.body, this.#now());
      if (outcome.kind === 'misconfigured') return outcome;
      return { kind: 'unknown', reason: describeResponse(response.status, response.body) };
    } catch (error) {
      const transient = classifyTransportError(error);
      if (transient?.kind === 'retry' && !signal?.aborted)
        return { kind: 'unknown', reason: transient.reason };
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #post(
    endpoint: DatadogEndpointName,
    body: Buffer,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<AttemptOutcome> {
    try {
      const response = await this.#exchange(endpoint, 'POST', body, headers, signal);
      return classifyResponse(response.status, response.headers, response.body, this.#now());
    } catch (error) {
      // A shutdown abort is not a Datadog failure: let it through.
      const transient = signal?.aborted ? null : classifyTransportError(error);
      if (transient === null) throw error;
      return transient;
    }
  }

  async #exchange(
    endpoint: DatadogEndpointName,
    method: 'GET' | 'POST',
    body: Buffer | undefined,
    headers: Record<string, string>,
    signal: AbortSignal | undefined,
  ): Promise<{ status: number; headers: ResponseHeaders; body: string }> {
    // One controller and one timer per request, cleared at the end: AbortSignal.any of a timeout signal
    // costs several times more per request, and its timers live on until collected.
    const { timeoutMs } = this.#options;
    const exchange = new AbortController();
    const timer = setTimeout(
      () => exchange.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')),
      timeoutMs,
    );
    const stop = () => exchange.abort(signal?.reason);
    if (signal?.aborted) stop();
    signal?.addEventListener('abort', stop, { once: true });
    const startedAt = performance.now();
    let status: number | null = null;
    try {
      const response = await request(this.endpoints[endpoint], {
        method,
        dispatcher: this.#dispatcher,
        signal: exchange.signal,
        headers: {
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...headers,
          'dd-api-key': this.#apiKey.reveal(),
        },
        ...(body === undefined ? {} : { body }),
      });
      const text = await readCapped(response.body, RESPONSE_BODY_CAP_BYTES);
      status = response.statusCode;
      return { status: response.statusCode, headers: response.headers, body: text };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      this.#options.onRequest?.({ endpoint, status, durationMs: performance.now() - startedAt });
    }
  }
}
