import { eventLimits, logLimits } from '@trailstream/datadog';

/**
 * The rules the recording intake applies, from Datadog's published limits. Where Datadog silently truncates
 * or drops (long titles, logs older than 18 h), the intake refuses with a 400 instead, so a test sees
 * the loss a real account would hide.
 */

const alertTypes = new Set([
  'error',
  'warning',
  'info',
  'success',
  'user_update',
  'recommendation',
  'snapshot',
]);
const priorities = new Set(['normal', 'low']);

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function checkTags(tags: readonly unknown[], errors: string[]): void {
  if (tags.length > eventLimits.tagsPerEvent)
    errors.push(`too many tags: ${tags.length} > ${eventLimits.tagsPerEvent}`);
  for (const tag of tags) {
    if (typeof tag !== 'string') errors.push('tags must be strings');
    else if (tag.length > eventLimits.tagChars)
      errors.push(`tag longer than ${eventLimits.tagChars} characters`);
  }
}

/** Errors of one Events API v1 body; empty when Datadog would accept it. */
export function checkEventPayload(body: unknown, nowSeconds: number): string[] {
  if (!isRecord(body)) return ['body must be a JSON object'];
  const errors: string[] = [];
  const { title, text, date_happened, aggregation_key, alert_type, priority, tags, host, source_type_name } =
    body;
  if (typeof title !== 'string' || title.length === 0) errors.push("'title' is required");
  else if (title.length > eventLimits.titleChars)
    errors.push(`title longer than ${eventLimits.titleChars} characters`);
  if (typeof text !== 'string') errors.push("'text' is required");
  else if (text.length > eventLimits.textChars)
    errors.push(`text longer than ${eventLimits.textChars} characters`);
  if (date_happened !== undefined) {
    if (typeof date_happened !== 'number' || !Number.isInteger(date_happened))
      errors.push("'date_happened' must be epoch seconds");
    else if (nowSeconds - date_happened > eventLimits.maxAgeSeconds) errors.push('Event too far in the past');
  }
  if (aggregation_key !== undefined) {
    if (typeof aggregation_key !== 'string') errors.push("'aggregation_key' must be a string");
    else if (aggregation_key.length > eventLimits.aggregationKeyChars) {
      errors.push(`aggregation_key longer than ${eventLimits.aggregationKeyChars} characters`);
    }
  }
  if (alert_type !== undefined && !alertTypes.has(String(alert_type)))
    errors.push(`unknown alert_type ${String(alert_type)}`);
  if (priority !== undefined && !priorities.has(String(priority)))
    errors.push(`unknown priority ${String(priority)}`);
  if (tags !== undefined) {
    if (Array.isArray(tags)) checkTags(tags, errors);
    else errors.push("'tags' must be an array");
  }
  if (host !== undefined && typeof host !== 'string') errors.push("'host' must be a string");
  if (source_type_name !== undefined && typeof source_type_name !== 'string') {
    errors.push("'source_type_name' must be a string");
  }
  return errors;
}

/**
 * The time Datadog would give a log: a `timestamp` attribute first, else the record's `eventTime` attribute
 * (the CloudTrail pipeline's date remapper), or in a JSON message; null when it would use the intake time.
 */
export function logTimeMs(entry: Record<string, unknown>): number | null {
  const { timestamp, message, eventTime } = entry;
  if (typeof timestamp === 'number') return timestamp;
  if (typeof timestamp === 'string' && !Number.isNaN(Date.parse(timestamp))) return Date.parse(timestamp);
  if (typeof eventTime === 'string' && !Number.isNaN(Date.parse(eventTime))) return Date.parse(eventTime);
  if (typeof message !== 'string' || !message.startsWith('{')) return null;
  try {
    const parsed: unknown = JSON.parse(message);
    if (
      isRecord(parsed) &&
      typeof parsed.eventTime === 'string' &&
      !Number.isNaN(Date.parse(parsed.eventTime))
    ) {
      return Date.parse(parsed.eventTime);
    }
  } catch {
    // Not JSON after all: Datadog keeps it as plain text, dated at intake.
  }
  return null;
}

/** Leaf attribute paths and the deepest key's level, as Datadog's log facets see a JSON log. */
function attributeExtent(entry: Record<string, unknown>): { attributes: number; depth: number } {
  const paths = new Set<string>();
  let depth = 0;
  const walk = (value: unknown, path: string, level: number): void => {
    if (Array.isArray(value) && value.length > 0) {
      for (const item of value) walk(item, path, level);
    } else if (isRecord(value) && Object.keys(value).length > 0) {
      depth = Math.max(depth, level + 1);
      for (const [key, child] of Object.entries(value))
        walk(child, path === '' ? key : `${path}.${key}`, level + 1);
    } else paths.add(path);
  };
  walk(entry, '', 0);
  return { attributes: paths.size, depth };
}

/** Errors of one log entry of a batch; empty when Datadog would accept it whole. */
export function checkLogEntry(entry: unknown, nowMs: number): string[] {
  if (!isRecord(entry)) return ['each log must be a JSON object'];
  const errors: string[] = [];
  const extent = attributeExtent(entry);
  if (extent.attributes > logLimits.attributes)
    errors.push(`log has ${extent.attributes} attributes, over ${logLimits.attributes}`);
  if (extent.depth > logLimits.depth)
    errors.push(`log is nested ${extent.depth} levels, over ${logLimits.depth}`);
  const time = logTimeMs(entry);
  if (time !== null && nowMs - time > logLimits.maxAgeSeconds * 1000) errors.push('log older than 18 hours');
  if (entry.ddtags !== undefined) {
    if (typeof entry.ddtags !== 'string') errors.push("'ddtags' must be a comma-separated string");
    else
      checkTags(
        entry.ddtags.split(',').filter((tag) => tag.length > 0),
        errors,
      );
  }
  return errors;
}

export type LogBatchCheck =
  | { ok: true; entries: Record<string, unknown>[] }
  | { ok: false; status: 400 | 413; errors: string[] };

/** Checks a whole logs intake v2 body (already decompressed): its size, its shape, then every entry. */
export function checkLogBatch(body: Buffer, nowMs: number): LogBatchCheck {
  if (body.length > logLimits.uncompressedBatchBytes) {
    return {
      ok: false,
      status: 413,
      errors: [`payload of ${body.length} bytes exceeds ${logLimits.uncompressedBatchBytes}`],
    };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, status: 400, errors: ['body is not valid JSON'] };
  }
  const entries = Array.isArray(parsed) ? parsed : [parsed];
  if (entries.length > logLimits.entriesPerBatch) {
    return {
      ok: false,
      status: 400,
      errors: [`${entries.length} logs exceed ${logLimits.entriesPerBatch} per request`],
    };
  }
  const errors = entries.flatMap((entry, index) =>
    checkLogEntry(entry, nowMs).map((error) => `log ${index}: ${error}`),
  );
  if (errors.length > 0) return { ok: false, status: 400, errors };
  return { ok: true, entries: entries as Record<string, unknown>[] };
}
