import type { DatadogLog, DatadogOutput } from '@trailstream/schemas';
import { describe, expect, it } from 'vitest';
import { applyLateEventPolicy, applyLateLogPolicy, applyLatePolicy, LATE_TAG } from './late-item-policy.js';
import { eventLimits } from './limits.js';
import type { EventPayload } from './payloads.js';

const now = Date.parse('2024-03-02T12:00:00Z') / 1000;
const hours = (count: number) => count * 3600;

const event = (dateHappened: number, overrides: Partial<EventPayload> = {}): EventPayload => ({
  title: 'ConsoleLogin',
  text: 'alice logged in',
  date_happened: dateHappened,
  tags: ['source:cloudtrail'],
  alert_type: 'info',
  priority: 'normal',
  source_type_name: 'amazon web services',
  ...overrides,
});

const log: DatadogLog = {
  attributes: '{"eventTime":"x","ddsource":"cloudtrail","service":"cloudtrail"}',
  ddtags: 'env:prod',
};
const sent = (json: string) => JSON.parse(json) as Record<string, unknown>;
const recentEntry = {
  json: '{"eventTime":"x","ddsource":"cloudtrail","service":"cloudtrail","ddtags":"env:prod"}',
};

describe('applyLateEventPolicy', () => {
  it('leaves a recent event alone', () => {
    const recent = event(now - hours(2));
    expect(applyLateEventPolicy(recent, now, 'send-now')).toEqual({
      action: 'send',
      payload: recent,
      late: false,
    });
  });

  it('dates a late event now, with its real time in the text and a tag', () => {
    const decision = applyLateEventPolicy(event(now - hours(30)), now, 'send-now');
    expect(decision.action).toBe('send');
    if (decision.action !== 'send') return;
    expect(decision.late).toBe(true);
    expect(decision.payload.date_happened).toBe(now);
    expect(decision.payload.text).toContain('alice logged in');
    expect(decision.payload.text).toContain('Originally happened at 2024-03-01T06:00:00Z');
    // The original time is in the text: a tag holding it would be a new value per event.
    expect(decision.payload.tags).toEqual(['source:cloudtrail', LATE_TAG]);
  });

  it('treats an event as late an hour before the 18 h limit, so retries cannot push it over', () => {
    expect(applyLateEventPolicy(event(now - hours(17) - 60), now, 'send-now')).toMatchObject({ late: true });
    expect(applyLateEventPolicy(event(now - hours(17) + 60), now, 'send-now')).toMatchObject({ late: false });
  });

  it('keeps a late event within the text and tag limits', () => {
    const full = event(now - hours(20), {
      text: 'x'.repeat(eventLimits.textChars),
      tags: Array.from({ length: eventLimits.tagsPerEvent }, (_, index) => `tag:${index}`),
    });
    const decision = applyLateEventPolicy(full, now, 'send-now');
    if (decision.action !== 'send') throw new Error('expected send');
    expect(decision.payload.text.length).toBeLessThanOrEqual(eventLimits.textChars);
    expect(decision.payload.text).toContain('Originally happened at');
    expect(decision.payload.tags).toHaveLength(eventLimits.tagsPerEvent);
    expect(decision.payload.tags).toContain(LATE_TAG);
  });

  it('dead-letters a late event under the dead-letter policy, saying how old it is', () => {
    expect(applyLateEventPolicy(event(now - hours(24)), now, 'dead-letter')).toEqual({
      action: 'dead-letter',
      reasonClass: 'too-old',
      reasonMessage: expect.stringContaining('24.0 h ago'),
    });
  });
});

describe('applyLateLogPolicy', () => {
  it('sends a recent log as its attributes with ddtags', () => {
    expect(applyLateLogPolicy(log, now - 60, now, 'send-now')).toEqual({
      action: 'send',
      payload: recentEntry,
      late: false,
    });
  });

  it('gives a late log a current timestamp and the late tag, keeping its eventTime', () => {
    const decision = applyLateLogPolicy(log, now - hours(48), now, 'send-now');
    if (decision.action !== 'send') throw new Error('expected send');
    expect(decision.late).toBe(true);
    expect(sent(decision.payload.json)).toEqual({
      eventTime: 'x',
      ddsource: 'cloudtrail',
      service: 'cloudtrail',
      timestamp: now * 1000,
      ddtags: `env:prod,${LATE_TAG}`,
    });
  });

  it('tags a late log that had no tags without a leading comma', () => {
    const decision = applyLateLogPolicy({ ...log, ddtags: '' }, now - hours(48), now, 'send-now');
    if (decision.action !== 'send') throw new Error('expected send');
    expect(sent(decision.payload.json).ddtags).toBe(LATE_TAG);
  });

  it('dead-letters a late log under the dead-letter policy', () => {
    expect(applyLateLogPolicy(log, now - hours(48), now, 'dead-letter')).toMatchObject({
      action: 'dead-letter',
      reasonClass: 'too-old',
    });
  });
});

describe('applyLatePolicy on an output', () => {
  const nowMs = now * 1000;
  const logOutput = (eventTime: string): DatadogOutput => ({
    kind: 'log',
    eventID: 'e-log',
    eventTime,
    event: null,
    log,
  });
  const eventOutput = (dateHappened: number): DatadogOutput => ({
    kind: 'event',
    eventID: 'e-event',
    eventTime: new Date(dateHappened * 1000).toISOString(),
    event: {
      title: 'ConsoleLogin',
      text: 'alice logged in',
      dateHappened,
      tags: ['source:cloudtrail'],
      aggregationKey: null,
      alertType: 'info',
      priority: 'normal',
      sourceTypeName: 'amazon web services',
      host: null,
    },
    log: null,
  });

  it('sends an event as its Events API payload, re-dated when late', () => {
    expect(applyLatePolicy(eventOutput(now - hours(2)), nowMs, 'send-now')).toEqual({
      action: 'send-event',
      payload: event(now - hours(2)),
      late: false,
    });
    expect(applyLatePolicy(eventOutput(now - hours(30)), nowMs, 'send-now')).toMatchObject({
      action: 'send-event',
      payload: { date_happened: now },
      late: true,
    });
  });

  it("dates a log by its record's eventTime", () => {
    expect(applyLatePolicy(logOutput('2024-03-02T11:59:00Z'), nowMs, 'send-now')).toEqual({
      action: 'send-log',
      payload: recentEntry,
      late: false,
    });
    const late = applyLatePolicy(logOutput('2024-02-29T12:00:00Z'), nowMs, 'send-now');
    expect(late).toMatchObject({ action: 'send-log', late: true });
    if (late.action !== 'send-log') throw new Error('expected send-log');
    expect(sent(late.payload.json).timestamp).toBe(nowMs);
  });

  it('never treats a log without a readable eventTime as late: Datadog dates it at intake', () => {
    expect(applyLatePolicy(logOutput('yesterday'), nowMs, 'dead-letter')).toEqual({
      action: 'send-log',
      payload: recentEntry,
      late: false,
    });
  });

  it('dead-letters late events and logs under the dead-letter policy', () => {
    for (const output of [eventOutput(now - hours(24)), logOutput('2024-03-01T00:00:00Z')]) {
      expect(applyLatePolicy(output, nowMs, 'dead-letter')).toMatchObject({
        action: 'dead-letter',
        reasonClass: 'too-old',
      });
    }
  });
});
