import type { DatadogEvent, DatadogLog } from '@trailstream/schemas';

/** The JSON body of `POST /api/v1/events`, as Datadog names its fields. */
export interface EventPayload {
  title: string;
  text: string;
  date_happened: number;
  tags: string[];
  aggregation_key?: string;
  alert_type: DatadogEvent['alertType'];
  priority: DatadogEvent['priority'];
  source_type_name: string;
  host?: string;
}

/**
 * One entry of a `POST /api/v2/logs` batch as the JSON object text sent: the log's attributes with
 * `ddtags` and, for a re-dated late log, `timestamp` (epoch ms, which overrides the record's eventTime).
 */
export interface LogEntry {
  json: string;
}

export function toEventPayload(event: DatadogEvent): EventPayload {
  return {
    title: event.title,
    text: event.text,
    date_happened: event.dateHappened,
    tags: event.tags,
    ...(event.aggregationKey === null ? {} : { aggregation_key: event.aggregationKey }),
    alert_type: event.alertType,
    priority: event.priority,
    source_type_name: event.sourceTypeName,
    ...(event.host === null ? {} : { host: event.host }),
  };
}

/** The entry's JSON: the attributes object with `ddtags` (and `timestamp`) appended, no re-parse. */
export function toLogEntry(log: DatadogLog, timestampMs: number | null = null): LogEntry {
  const open = log.attributes.trimEnd().slice(0, -1).trimEnd();
  const separator = open.endsWith('{') ? '' : ',';
  const timestamp = timestampMs === null ? '' : `,"timestamp":${timestampMs}`;
  return { json: `${open}${separator}"ddtags":${JSON.stringify(log.ddtags)}${timestamp}}` };
}

/** The body of a logs intake request: the entries' JSON as one array. */
export function logBatchBody(entries: readonly LogEntry[]): string {
  return `[${entries.map((entry) => entry.json).join(',')}]`;
}

/** Uncompressed bytes of an entry in a batch body, as the intake counts them. */
export function logEntryBytes(entry: LogEntry): number {
  return Buffer.byteLength(entry.json);
}
