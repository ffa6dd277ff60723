import { datadogSites, lateItemPolicies } from '@trailstream/datadog';
import { type Config, env, kafkaEnv, serviceEnv, topicsEnv } from '@trailstream/runtime';

export const emitterEnv = {
  ...serviceEnv,
  ...kafkaEnv,
  ...topicsEnv,
  DD_SITE: env.oneOf(datadogSites, 'datadoghq.com'),
  /** One base URL for every Datadog path: a proxy, or the recording intake. Wins over DD_SITE. */
  DD_URL: env.url(),
  DD_API_KEY: env.optionalString(),
  /** A mounted secret; re-read while the key is refused, so a rotated secret is picked up. */
  DD_API_KEY_FILE: env.optionalString(),
  DD_REQUEST_TIMEOUT_MS: env.integer(10_000, { min: 100, max: 300_000 }),
  KAFKA_GROUP_ID: env.string('trailstream-emitter'),
  /** Partitions handled at once; each has its own requests in flight. */
  EMITTER_PARTITIONS_CONCURRENTLY: env.integer(4, { min: 1, max: 256 }),
  /** Event requests in flight per partition (the Events API takes one event per request). */
  EMITTER_EVENT_REQUESTS_PER_PARTITION: env.integer(8, { min: 1, max: 256 }),
  /** This replica's share of the organisation's event intake limit (about 250,000 a minute in all). */
  EMITTER_EVENTS_PER_SECOND: env.integer(500, { min: 1 }),
  EMITTER_EVENTS_BURST: env.integer(100, { min: 1 }),
  /** No wait between retries is longer than this; it stays under the consumer session timeout. */
  EMITTER_MAX_BACKOFF_MS: env.integer(20_000, { min: 10, max: 25_000 }),
  /** How often a refused key is checked again. */
  EMITTER_KEY_RECHECK_MS: env.integer(30_000, { min: 100 }),
  EMITTER_LATE_ITEM_POLICY: env.oneOf(lateItemPolicies, 'send-now'),
};

export type EmitterConfig = Config<typeof emitterEnv>;
