import {
  apiKeySourceFromEnv,
  type DatadogTarget,
  DEFAULT_LOGS_GZIP_LEVEL,
  datadogSites,
  lateItemPolicies,
  plainHttpProblem,
  readApiKey,
} from '@trailstream/datadog';
import { auditSettings, type Config, ConfigError, env, inputTopicOf, stageEnv } from '@trailstream/runtime';

export const emitterEnv = {
  ...stageEnv,
  DD_SITE: env.oneOf(datadogSites, 'datadoghq.com'),
  /** One base URL for every Datadog path: a proxy, or the recording intake. Wins over DD_SITE. */
  DD_URL: env.url(),
  /** Allows a plain http:// DD_URL to another machine (the key then travels in clear text); loopback needs no opt-in. */
  DD_ALLOW_PLAIN_HTTP: env.boolean(false),
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
  /** gzip level of logs requests: 1 is the least CPU, 9 the fewest bytes. */
  EMITTER_LOGS_GZIP_LEVEL: env.integer(DEFAULT_LOGS_GZIP_LEVEL, { min: 1, max: 9 }),
};

export type EmitterConfig = Config<typeof emitterEnv>;
export type EmitterSettings = ReturnType<typeof emitterOptions>;

/** What the emitter runs with, from its settings; exactly one of DD_API_KEY and DD_API_KEY_FILE is required. */
export function emitterOptions(config: EmitterConfig) {
  let apiKeySource: ReturnType<typeof apiKeySourceFromEnv>;
  try {
    apiKeySource = apiKeySourceFromEnv(config);
  } catch (error) {
    throw new ConfigError([(error as Error).message]);
  }
  const target: DatadogTarget = config.DD_URL
    ? { baseUrl: config.DD_URL, allowPlainHttp: config.DD_ALLOW_PLAIN_HTTP }
    : { site: config.DD_SITE };
  const insecure = plainHttpProblem(target);
  if (insecure !== null) throw new ConfigError([insecure]);
  return {
    inputTopic: inputTopicOf('emitter', config),
    deadLetterTopic: config.TOPIC_DLQ,
    reconciliation: auditSettings(config),
    groupId: config.KAFKA_GROUP_ID,
    /** How soon a crashed replica's partitions move to the others; heartbeats continue during long retries. */
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    apiKeySource,
    datadog: {
      target,
      timeoutMs: config.DD_REQUEST_TIMEOUT_MS,
      logsGzipLevel: config.EMITTER_LOGS_GZIP_LEVEL,
      connections: config.EMITTER_PARTITIONS_CONCURRENTLY * config.EMITTER_EVENT_REQUESTS_PER_PARTITION,
    },
    partitionsConcurrently: config.EMITTER_PARTITIONS_CONCURRENTLY,
    eventRequestsPerPartition: config.EMITTER_EVENT_REQUESTS_PER_PARTITION,
    eventsPerSecond: config.EMITTER_EVENTS_PER_SECOND,
    eventsBurst: config.EMITTER_EVENTS_BURST,
    maxBackoffMs: config.EMITTER_MAX_BACKOFF_MS,
    keyRecheckMs: config.EMITTER_KEY_RECHECK_MS,
    latePolicy: config.EMITTER_LATE_ITEM_POLICY,
  };
}

/** The options with the API key read: a key from a file must be known before the first log line. */
export async function readEmitterOptions(config: EmitterConfig) {
  const options = emitterOptions(config);
  return { ...options, apiKey: await readApiKey(options.apiKeySource) };
}
