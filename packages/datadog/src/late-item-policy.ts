import type { DatadogLog, DatadogOutput } from '@trailstream/schemas';
import { eventLimits, logLimits } from './limits.js';
import { type EventPayload, type LogEntry, toEventPayload, toLogEntry } from './payloads.js';

/**
 * What to do with an item Datadog would refuse as older than 18 hours (after an outage or a backfill):
 * `send-now` delivers it dated now, with its real time in the text (or message) and a tag;
 * `dead-letter` keeps it in the dead-letter topic for a replay elsewhere. Either way it is never lost.
 */
export type LateItemPolicy = 'send-now' | 'dead-letter';

export const lateItemPolicies = ['send-now', 'dead-letter'] as const satisfies readonly LateItemPolicy[];

/**
 * Items are treated as late an hour before Datadog's limit, so that retries during an incident do not push
 * an item over the edge between the decision and Datadog's check.
 */
export const lateMarginSeconds = 60 * 60;

/** The one tag a late item gets; its original time goes in the text (events) or stays in eventTime (logs). */
export const LATE_TAG = 'trailstream_late:true';

/** Too old for Datadog under the `dead-letter` policy. */
export interface TooOld {
  action: 'dead-letter';
  reasonClass: 'too-old';
  reasonMessage: string;
}

export type LateDecision<T> = { action: 'send'; payload: T; late: boolean } | TooOld;

/** What one output of the pipeline becomes: the event or log entry to send Datadog, or a dead letter. */
export type OutputDecision =
  | { action: 'send-event'; payload: EventPayload; late: boolean }
  | { action: 'send-log'; payload: LogEntry; late: boolean }
  | TooOld;

function isLate(happenedAtSeconds: number, nowSeconds: number, maxAgeSeconds: number): boolean {
  return nowSeconds - happenedAtSeconds > maxAgeSeconds - lateMarginSeconds;
}

function tooOld(happenedAtSeconds: number, nowSeconds: number): TooOld {
  const hours = ((nowSeconds - happenedAtSeconds) / 3600).toFixed(1);
  return {
    action: 'dead-letter',
    reasonClass: 'too-old',
    reasonMessage: `happened ${hours} h ago, Datadog refuses items older than 18 h (late item policy: dead-letter)`,
  };
}

const isoSeconds = (epochSeconds: number) =>
  new Date(epochSeconds * 1000).toISOString().replace('.000Z', 'Z');

export function applyLateEventPolicy(
  event: EventPayload,
  nowSeconds: number,
  policy: LateItemPolicy,
): LateDecision<EventPayload> {
  if (!isLate(event.date_happened, nowSeconds, eventLimits.maxAgeSeconds)) {
    return { action: 'send', payload: event, late: false };
  }
  if (policy === 'dead-letter') return tooOld(event.date_happened, nowSeconds);
  const original = isoSeconds(event.date_happened);
  const note = `\n\nOriginally happened at ${original}; delivered late, dated at delivery time.`;
  const text = event.text.slice(0, eventLimits.textChars - note.length) + note;
  const tags = [...event.tags.slice(0, eventLimits.tagsPerEvent - 1), LATE_TAG];
  return { action: 'send', payload: { ...event, date_happened: nowSeconds, text, tags }, late: true };
}

/**
 * A log's date comes from its record (the `eventTime` attribute); a `timestamp` attribute takes precedence
 * in Datadog's date remapping, so a late log is dated now while its eventTime keeps the real time.
 */
export function applyLateLogPolicy(
  log: DatadogLog,
  eventTimeSeconds: number,
  nowSeconds: number,
  policy: LateItemPolicy,
): LateDecision<LogEntry> {
  if (!isLate(eventTimeSeconds, nowSeconds, logLimits.maxAgeSeconds)) {
    return { action: 'send', payload: toLogEntry(log), late: false };
  }
  if (policy === 'dead-letter') return tooOld(eventTimeSeconds, nowSeconds);
  const ddtags = log.ddtags.length === 0 ? LATE_TAG : `${log.ddtags},${LATE_TAG}`;
  return { action: 'send', payload: toLogEntry({ ...log, ddtags }, nowSeconds * 1000), late: true };
}

/**
 * The late-item policy applied to one output, as every sender applies it (the emitter, the CLI's print and
 * Datadog sinks). A log's time is its record's eventTime; without a readable one Datadog dates the log at
 * intake, so it cannot be late.
 */
export function applyLatePolicy(
  output: DatadogOutput,
  nowMs: number,
  policy: LateItemPolicy,
): OutputDecision {
  const nowSeconds = Math.floor(nowMs / 1000);
  if (output.kind === 'event') {
    const decision = applyLateEventPolicy(toEventPayload(output.event), nowSeconds, policy);
    return decision.action === 'send' ? { ...decision, action: 'send-event' } : decision;
  }
  const eventTimeMs = Date.parse(output.eventTime);
  if (Number.isNaN(eventTimeMs)) return { action: 'send-log', payload: toLogEntry(output.log), late: false };
  const decision = applyLateLogPolicy(output.log, Math.floor(eventTimeMs / 1000), nowSeconds, policy);
  return decision.action === 'send' ? { ...decision, action: 'send-log' } : decision;
}
