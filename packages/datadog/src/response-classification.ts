/** What one HTTP attempt against Datadog means for the item(s) it carried. */
export type AttemptOutcome =
  | { kind: 'accepted' }
  /**
   * Try the same request again later; `retryAfterMs` is what Datadog asked for, if it did.
   * `cause` is short and stable, for metrics: `http-429`, `http-503`, `timeout`, `connection`.
   */
  | { kind: 'retry'; cause: string; reason: string; retryAfterMs: number | null }
  /** 413: the batch is too large as sent; smaller batches may pass. */
  | { kind: 'too-large'; reason: string }
  /** 400 and 422: this payload will never be accepted as it is. */
  | { kind: 'rejected'; status: number; reason: string }
  /** 401/403: the API key is wrong; nothing will pass until it is fixed. */
  | { kind: 'key-rejected'; status: number }
  /**
   * A status no item causes (a wrong path, a redirect, a proxy asking for credentials): the setup is
   * wrong and nothing will pass until it is fixed. `fix` says what to change.
   */
  | { kind: 'misconfigured'; status: number; reason: string; fix: string };

export type ResponseHeaders = Record<string, string | string[] | undefined>;

const REASON_CHARS = 300;

function headerValue(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The delay Datadog asks for: `Retry-After` (seconds or an HTTP date) or, on a rate limit,
 * `X-RateLimit-Reset` (seconds until the current period ends). Null when neither is usable.
 */
export function requestedRetryDelayMs(headers: ResponseHeaders, nowMs: number): number | null {
  const retryAfter = headerValue(headers, 'retry-after')?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.round(Number(retryAfter) * 1000);
    const date = Date.parse(retryAfter);
    if (!Number.isNaN(date)) return Math.max(0, date - nowMs);
  }
  const reset = headerValue(headers, 'x-ratelimit-reset')?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) return Math.round(Number(reset) * 1000);
  return null;
}

/** A short, single-line reason from Datadog's error body, for logs and dead letters. */
export function describeResponse(status: number, body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  const detail = flat.length > REASON_CHARS ? `${flat.slice(0, REASON_CHARS)}…` : flat;
  return detail.length === 0 ? `HTTP ${status}` : `HTTP ${status}: ${detail}`;
}

/** Statuses Datadog gives a payload it refuses: only these blame the item. */
const ITEM_REJECTED_STATUSES = new Set([400, 422]);

/** What to change when Datadog's address answers with a status no item causes. */
export function misconfigurationFix(status: number, headers: ResponseHeaders): string {
  if (status >= 300 && status < 400) {
    const location = headerValue(headers, 'location');
    return `the Datadog URL redirects${location ? ` to ${location}` : ''}; set DD_URL (or DD_SITE) to the address that answers directly`;
  }
  if (status === 404 || status === 405) {
    return 'the Datadog URL has no intake at this path; DD_URL must be the base URL under which /api/v1/events, /api/v2/logs and /api/v1/validate are served, or unset it and set DD_SITE';
  }
  if (status === 407) {
    return 'a proxy asks for credentials; put them in HTTPS_PROXY (http://user:password@proxy:port) or exempt the Datadog host with NO_PROXY';
  }
  return `no item causes HTTP ${status}; check DD_URL, DD_SITE and any proxy (HTTPS_PROXY) in between`;
}

export function classifyResponse(
  status: number,
  headers: ResponseHeaders,
  body: string,
  nowMs: number,
): AttemptOutcome {
  if (status >= 200 && status < 300) return { kind: 'accepted' };
  if (status === 401 || status === 403) return { kind: 'key-rejected', status };
  if (status === 408 || status === 429 || status >= 500) {
    return {
      kind: 'retry',
      cause: `http-${status}`,
      reason: describeResponse(status, body),
      retryAfterMs: requestedRetryDelayMs(headers, nowMs),
    };
  }
  if (status === 413) return { kind: 'too-large', reason: describeResponse(status, body) };
  if (ITEM_REJECTED_STATUSES.has(status))
    return { kind: 'rejected', status, reason: describeResponse(status, body) };
  return {
    kind: 'misconfigured',
    status,
    reason: describeResponse(status, body),
    fix: misconfigurationFix(status, headers),
  };
}

/** Error codes of a request that never got a usable answer: worth another attempt. */
const transientErrorCodes = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  if (typeof code === 'string') return code;
  return errorCode(cause);
}

/**
 * A transport error: timeouts and connection failures are retried; anything else is a bug or a
 * misconfiguration and is rethrown by the caller. ENOTFOUND is retried because DNS fails transiently too.
 */
export function classifyTransportError(error: unknown): AttemptOutcome | null {
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError') {
    return { kind: 'retry', cause: 'timeout', reason: 'request timed out', retryAfterMs: null };
  }
  const code = errorCode(error);
  if (code !== undefined && transientErrorCodes.has(code)) {
    return { kind: 'retry', cause: 'connection', reason: `connection failed (${code})`, retryAfterMs: null };
  }
  return null;
}
