import { describe, expect, it } from 'vitest';
import {
  classifyResponse,
  classifyTransportError,
  requestedRetryDelayMs,
} from './response-classification.js';

const now = Date.parse('2024-03-02T12:00:00Z');

describe('classifyResponse', () => {
  it.each([200, 202])('accepts %i', (status) => {
    expect(classifyResponse(status, {}, '{}', now)).toEqual({ kind: 'accepted' });
  });

  it.each([408, 429, 500, 502, 503, 504])('retries %i', (status) => {
    expect(classifyResponse(status, {}, '', now)).toMatchObject({
      kind: 'retry',
      cause: `http-${status}`,
      retryAfterMs: null,
    });
  });

  it.each([401, 403])('blames the key for %i', (status) => {
    expect(classifyResponse(status, {}, '{"errors":["Forbidden"]}', now)).toEqual({
      kind: 'key-rejected',
      status,
    });
  });

  it('asks for a split on 413', () => {
    expect(classifyResponse(413, {}, '', now)).toMatchObject({ kind: 'too-large' });
  });

  it('rejects 400 with Datadog’s reason, on one short line', () => {
    const outcome = classifyResponse(400, {}, '{"errors":\n ["Event too far in the past"]}', now);
    expect(outcome).toEqual({
      kind: 'rejected',
      status: 400,
      reason: 'HTTP 400: {"errors": ["Event too far in the past"]}',
    });
    const long = classifyResponse(400, {}, 'e'.repeat(5000), now);
    expect(long.kind === 'rejected' && long.reason.length).toBeLessThan(320);
  });

  it('honours the rate-limit reset of a 429', () => {
    const headers = { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '7' };
    expect(classifyResponse(429, headers, '', now)).toMatchObject({ kind: 'retry', retryAfterMs: 7000 });
  });
});

describe('requestedRetryDelayMs', () => {
  it('reads Retry-After in seconds or as an HTTP date, before X-RateLimit-Reset', () => {
    expect(requestedRetryDelayMs({ 'retry-after': '3', 'x-ratelimit-reset': '9' }, now)).toBe(3000);
    expect(requestedRetryDelayMs({ 'retry-after': new Date(now + 5000).toUTCString() }, now)).toBe(5000);
    expect(requestedRetryDelayMs({ 'retry-after': new Date(now - 5000).toUTCString() }, now)).toBe(0);
  });

  it('ignores headers it cannot read', () => {
    expect(requestedRetryDelayMs({ 'retry-after': 'soon', 'x-ratelimit-reset': 'later' }, now)).toBeNull();
    expect(requestedRetryDelayMs({}, now)).toBeNull();
  });
});

describe('classifyTransportError', () => {
  it('retries timeouts and connection failures, including wrapped ones', () => {
    expect(classifyTransportError(new DOMException('timed out', 'TimeoutError'))).toMatchObject({
      kind: 'retry',
    });
    expect(classifyTransportError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toMatchObject({
      kind: 'retry',
      cause: 'connection',
      reason: 'connection failed (ECONNRESET)',
    });
    const wrapped = new TypeError('fetch failed', {
      cause: Object.assign(new Error('x'), { code: 'UND_ERR_SOCKET' }),
    });
    expect(classifyTransportError(wrapped)).toMatchObject({ kind: 'retry' });
  });

  it('lets anything else through as a bug', () => {
    expect(classifyTransportError(new TypeError('Invalid URL'))).toBeNull();
    expect(classifyTransportError('odd')).toBeNull();
  });
});
