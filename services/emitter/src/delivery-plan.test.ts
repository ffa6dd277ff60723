import { LATE_TAG } from '@trailstream/datadog';
import { type DatadogOutput, datadogOutputContract } from '@trailstream/schemas';
import { describe, expect, it } from 'vitest';
import { type ConsumedMessage, planDelivery } from './delivery-plan.js';

const nowMs = Date.parse('2024-03-02T12:00:00Z');
const minutesAgo = (minutes: number) => new Date(nowMs - minutes * 60_000).toISOString();

const eventOutput = (eventTime: string): DatadogOutput => ({
  kind: 'event',
  eventID: 'e-1',
  eventTime,
  event: {
    title: 'ConsoleLogin by alice',
    text: 'alice logged in',
    dateHappened: Math.floor(Date.parse(eventTime) / 1000),
    tags: ['source:cloudtrail'],
    aggregationKey: 'ConsoleLogin',
    alertType: 'info',
    priority: 'normal',
    sourceTypeName: 'amazon web services',
    host: null,
  },
  log: null,
});

const logOutput = (eventTime: string): DatadogOutput => ({
  kind: 'log',
  eventID: 'l-1',
  eventTime,
  event: null,
  log: {
    attributes: JSON.stringify({ eventTime, ddsource: 'cloudtrail', service: 'cloudtrail' }),
    ddtags: 'env:prod',
  },
});

const consumed = (output: DatadogOutput, offset = '0'): ConsumedMessage => {
  const encoded = datadogOutputContract.encode(output);
  return { offset, key: Buffer.from(output.eventID), value: encoded.value, headers: encoded.headers };
};

describe('planDelivery', () => {
  it('turns an event output into an Events API payload', () => {
    const [item] = planDelivery([consumed(eventOutput(minutesAgo(5)))], nowMs, 'send-now');
    expect(item).toEqual({
      kind: 'event',
      index: 0,
      eventTimeMs: nowMs - 5 * 60_000,
      late: false,
      payload: {
        title: 'ConsoleLogin by alice',
        text: 'alice logged in',
        date_happened: Math.floor((nowMs - 5 * 60_000) / 1000),
        tags: ['source:cloudtrail'],
        aggregation_key: 'ConsoleLogin',
        alert_type: 'info',
        priority: 'normal',
        source_type_name: 'amazon web services',
      },
    });
  });

  it('turns a log output into a logs intake entry', () => {
    const [item] = planDelivery([consumed(logOutput(minutesAgo(1)))], nowMs, 'send-now');
    expect(item).toMatchObject({ kind: 'log', index: 0, late: false });
    if (item?.kind !== 'log') throw new Error('expected a log');
    expect(JSON.parse(item.entry.json)).toEqual({
      eventTime: minutesAgo(1),
      ddsource: 'cloudtrail',
      service: 'cloudtrail',
      ddtags: 'env:prod',
    });
  });

  it('re-dates late items under send-now and dead-letters them under dead-letter', () => {
    const old = minutesAgo(20 * 60);
    const sendNow = planDelivery(
      [consumed(eventOutput(old)), consumed(logOutput(old), '1')],
      nowMs,
      'send-now',
    );
    expect(sendNow).toMatchObject([
      { kind: 'event', late: true, payload: { date_happened: nowMs / 1000 } },
      { kind: 'log', late: true },
    ]);
    expect(sendNow[1]?.kind === 'log' && JSON.parse(sendNow[1].entry.json).timestamp).toBe(nowMs);
    expect(sendNow[0]?.kind === 'event' && sendNow[0].payload.tags).toContain(LATE_TAG);
    const deadLetter = planDelivery(
      [consumed(eventOutput(old)), consumed(logOutput(old), '1')],
      nowMs,
      'dead-letter',
    );
    expect(deadLetter).toMatchObject([
      { kind: 'dead-letter', index: 0, reasonClass: 'too-old' },
      { kind: 'dead-letter', index: 1, reasonClass: 'too-old' },
    ]);
  });

  it('does not treat a log with an unreadable eventTime as late', () => {
    const [item] = planDelivery([consumed(logOutput('yesterday-ish'))], nowMs, 'dead-letter');
    expect(item).toMatchObject({ kind: 'log', late: false, eventTimeMs: null });
  });

  it('dead-letters messages that do not decode, and empty ones, keeping their place', () => {
    const garbage: ConsumedMessage = {
      offset: '0',
      key: null,
      value: Buffer.from([0xff, 0x01]),
      headers: {},
    };
    const wrongSchema: ConsumedMessage = {
      offset: '1',
      key: null,
      value: Buffer.from('x'),
      headers: { 'trailstream-schema': 'trailstream.ObjectRef' },
    };
    const empty: ConsumedMessage = { offset: '2', key: null, value: null };
    expect(planDelivery([garbage, wrongSchema, empty], nowMs, 'send-now')).toMatchObject([
      { kind: 'dead-letter', index: 0, reasonClass: 'undecodable' },
      {
        kind: 'dead-letter',
        index: 1,
        reasonClass: 'undecodable',
        reasonMessage: expect.stringContaining('ObjectRef'),
      },
      { kind: 'dead-letter', index: 2, reasonClass: 'empty-message' },
    ]);
  });
});
