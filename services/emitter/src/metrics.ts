import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type EmitterMetrics = ReturnType<typeof createEmitterMetrics>;

/** The emitter's Prometheus metrics; labels never carry payloads or the key. */
export function createEmitterMetrics(registry: Registry) {
  const registers = [registry];
  return {
    delivered: new Counter({
      name: 'trailstream_emitter_delivered_total',
      help: 'Items Datadog accepted',
      labelNames: ['kind'] as const,
      registers,
    }),
    retried: new Counter({
      name: 'trailstream_emitter_retries_total',
      help: 'Requests retried, by kind and cause (http-429, http-5xx, timeout, connection)',
      labelNames: ['kind', 'cause'] as const,
      registers,
    }),
    late: new Counter({
      name: 'trailstream_emitter_late_items_total',
      help: 'Items older than Datadog accepts, sent dated now under the send-now policy',
      labelNames: ['kind'] as const,
      registers,
    }),
    requestDuration: new Histogram({
      name: 'trailstream_emitter_request_duration_seconds',
      help: 'Datadog request latency, by endpoint and status (0 when no answer came)',
      labelNames: ['endpoint', 'status'] as const,
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    endToEndDelay: new Histogram({
      name: 'trailstream_emitter_end_to_end_delay_seconds',
      help: 'From the CloudTrail eventTime to Datadog accepting the item',
      labelNames: ['kind'] as const,
      buckets: [1, 5, 15, 60, 300, 600, 900, 1800, 3600, 4 * 3600, 18 * 3600, 48 * 3600],
      registers,
    }),
    backoff: new Gauge({
      name: 'trailstream_emitter_backoff_seconds',
      help: 'The wait before the next retry, per partition; 0 when not retrying',
      labelNames: ['partition'] as const,
      registers,
    }),
    paused: new Gauge({
      name: 'trailstream_emitter_paused',
      help: '1 while consumption is paused for this cause (key-refused: Datadog refuses the API key; misconfigured: the address answers as no Datadog intake does), else 0',
      labelNames: ['cause'] as const,
      registers,
    }),
    apiKeyValid: new Gauge({
      name: 'trailstream_emitter_api_key_valid',
      help: '1 while Datadog accepts the API key, 0 while consumption is paused because it refuses it',
      registers,
    }),
  };
}
