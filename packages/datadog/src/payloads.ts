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

/** One entry of a `POST /api/v2/logs` batch. `timestamp` (epoch ms) overrides the date Datadog reads from the message. */
export interface LogEntry {
  message: string;
  ddsource: string;
  service: string;
  ddtags: string;
  hostname?: string;
  timestamp?: number;
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

export function toLogEntry(log: DatadogLog): LogEntry {
  return {
    message: log.message,
    ddsource: log.ddsource,
    service: log.service,
    ddtags: log.ddtags,
    ...(log.hostname === null ? {} : { hostname: log.hostname }),
  };
}
