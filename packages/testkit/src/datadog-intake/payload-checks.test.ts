import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { checkEventPayload, checkLogBatch, checkLogEntry, logTimeMs } from './payload-checks.js';

const nowMs = Date.parse('2024-03-02T12:00:00Z');
const nowSeconds = nowMs / 1000;
const validEvent = { title: 'ConsoleLogin', text: 'alice', date_happened: nowSeconds - 60, tags: ['a:b'] };

describe('checkEventPayload', () => {
  it('accepts a valid event', () => {
    expect(checkEventPayload(validEvent, nowSeconds)).toEqual([]);
  });

  it.each([
    [{ ...validEvent, title: '' }, "'title' is required"],
    [{ ...validEvent, title: 't'.repeat(101) }, 'title longer than 100 characters'],
    [{ ...validEvent, text: 'x'.repeat(4001) }, 'text longer than 4000 characters'],
    [{ ...validEvent, date_happened: nowSeconds - 18 * 3600 - 1 }, 'Event too far in the past'],
    [{ ...validEvent, aggregation_key: 'k'.repeat(101) }, 'aggregation_key longer than 100 characters'],
    [{ ...validEvent, tags: ['t'.repeat(201)] }, 'tag longer than 200 characters'],
    [{ ...validEvent, tags: Array.from({ length: 101 }, (_, i) => `t:${i}`) }, 'too many tags: 101 > 100'],
    [{ ...validEvent, alert_type: 'panic' }, 'unknown alert_type panic'],
    [{ ...validEvent, priority: 'high' }, 'unknown priority high'],
    [[validEvent], 'body must be a JSON object'],
  ])('refuses %#', (payload, error) => {
    expect(checkEventPayload(payload, nowSeconds)).toContain(error);
  });
});

describe('logTimeMs', () => {
  it('prefers a timestamp attribute, then the eventTime of a JSON message', () => {
    const message = JSON.stringify({ eventTime: '2024-03-01T00:00:00Z' });
    expect(logTimeMs({ message, timestamp: nowMs })).toBe(nowMs);
    expect(logTimeMs({ message })).toBe(Date.parse('2024-03-01T00:00:00Z'));
    expect(logTimeMs({ message: '{not json' })).toBeNull();
    expect(logTimeMs({ message: 'plain text' })).toBeNull();
  });
});

describe('checkLogEntry', () => {
  it('refuses a log older than 18 hours, which Datadog would drop silently', () => {
    const old = { message: JSON.stringify({ eventTime: '2024-03-01T12:00:00Z' }) };
    expect(checkLogEntry(old, nowMs)).toEqual(['log older than 18 hours']);
    expect(checkLogEntry({ ...old, timestamp: nowMs }, nowMs)).toEqual([]);
  });

  it('dates a structured CloudTrail log by its eventTime attribute', () => {
    const old = { eventTime: '2024-03-01T12:00:00Z', ddsource: 'cloudtrail' };
    expect(checkLogEntry(old, nowMs)).toEqual(['log older than 18 hours']);
  });

  it('refuses a log over Datadog’s 255 attributes or 9 levels, which Datadog would transform', () => {
    const wide = Object.fromEntries(Array.from({ length: 256 }, (_, i) => [`k${i}`, i]));
    expect(checkLogEntry(wide, nowMs)).toEqual(['log has 256 attributes, over 255']);
    const deep = JSON.parse(`${'{"a":'.repeat(10)}1${'}'.repeat(10)}`);
    expect(checkLogEntry(deep, nowMs)).toEqual(['log is nested 10 levels, over 9']);
    // The elements of an array share their paths: 300 resources are two attributes.
    const resources = Array.from({ length: 300 }, (_, i) => ({ ARN: `arn:${i}`, type: 't' }));
    expect(checkLogEntry({ resources }, nowMs)).toEqual([]);
  });

  it('checks the tags of ddtags', () => {
    expect(checkLogEntry({ message: 'm', ddtags: `a:b,${'t'.repeat(201)}` }, nowMs)).toEqual([
      'tag longer than 200 characters',
    ]);
  });
});

describe('checkLogBatch', () => {
  const batch = (entries: unknown) => Buffer.from(JSON.stringify(entries));

  it('accepts an array or a single log', () => {
    expect(checkLogBatch(batch([{ message: 'a' }, { message: 'b' }]), nowMs)).toMatchObject({ ok: true });
    expect(checkLogBatch(batch({ message: 'a' }), nowMs)).toEqual({ ok: true, entries: [{ message: 'a' }] });
  });

  it('answers 413 over 5 MB and 400 over 1000 logs', () => {
    const big = batch([{ message: 'x'.repeat(5 * 1024 * 1024) }]);
    expect(checkLogBatch(big, nowMs)).toMatchObject({ ok: false, status: 413 });
    const many = batch(Array.from({ length: 1001 }, () => ({ message: 'm' })));
    expect(checkLogBatch(many, nowMs)).toMatchObject({ ok: false, status: 400 });
  });

  it('names the bad log of a batch', () => {
    const old = { message: JSON.stringify({ eventTime: '2024-02-01T00:00:00Z' }) };
    expect(checkLogBatch(batch([{ message: 'ok' }, old]), nowMs)).toEqual({
      ok: false,
      status: 400,
      errors: ['log 1: log older than 18 hours'],
    });
  });

  it('refuses bytes that are not JSON', () => {
    expect(checkLogBatch(gzipSync('[]'), nowMs)).toMatchObject({ ok: false, status: 400 });
  });
});
