import { DEFAULT_MAX_INFLATED_BYTES, DEFAULT_MAX_RECORD_BYTES } from '@trailstream/cloudtrail';
import { backoffPolicies } from '@trailstream/retry';
import {
  auditSettings,
  type Config,
  ConfigError,
  env,
  transactionalStageEnv,
  transactionalStageSettings,
} from '@trailstream/runtime';
import { stageSourceRoles } from '@trailstream/trail-bucket';

export const fetcherParserEnv = {
  ...transactionalStageEnv('fetcher-parser'),
  /** Objects worked on at once: one per input partition, so each partition's commits stay in order. */
  OBJECTS_IN_FLIGHT: env.integer(4, { min: 1, max: 1_000 }),
  OBJECTS_PER_TRANSACTION: env.integer(50, { min: 1, max: 1_000 }),
  /** Records per transaction at most: a larger object spans several, its progress committed in each. */
  RECORDS_PER_TRANSACTION: env.integer(10_000, { min: 1, max: 1_000_000 }),
  /** Milliseconds of work per transaction at most, the same way; keep it far under TRANSACTION_TIMEOUT_MS. */
  TRANSACTION_WORK_MS: env.integer(10_000, { min: 100, max: 600_000 }),
  /** Record messages per produce request; the runtime also keeps each request under the topic's max.message.bytes. */
  PRODUCE_BATCH_MESSAGES: env.integer(250, { min: 1, max: 10_000 }),
  /** Must stay under the brokers' transaction.max.timeout.ms (15 minutes by default). */
  TRANSACTION_TIMEOUT_MS: env.integer(120_000, { min: 10_000, max: 3_600_000 }),
  MAX_INFLATED_BYTES: env.integer(DEFAULT_MAX_INFLATED_BYTES, { min: 1024 }),
  MAX_RECORD_BYTES: env.integer(DEFAULT_MAX_RECORD_BYTES, { min: 1024, max: 900 * 1024 }),
  S3_TRANSIENT_ATTEMPTS: env.integer(5, { min: 1, max: 100 }),
  S3_UNAVAILABLE_ATTEMPTS: env.integer(3, { min: 1, max: 100 }),
  /** Socket idle timeout for S3, also while the body streams. */
  S3_TIMEOUT_MS: env.integer(30_000, { min: 1_000, max: 600_000 }),
  AWS_REGION: env.string('us-east-1'),
  /** Roles to assume per bucket (cross-account sources): a JSON array, see the discovery README. */
  SOURCE_ROLES: env.optionalString(),
  AWS_ENDPOINT_URL: env.url(),
  AWS_ENDPOINT_URL_S3: env.url(),
};

export type FetcherParserConfig = Config<typeof fetcherParserEnv>;
export type FetcherParserSettings = ReturnType<typeof fetcherParserOptions>;

/** What fetcher-parser runs with, from its settings. */
export function fetcherParserOptions(config: FetcherParserConfig) {
  return {
    ...transactionalStageSettings('fetcher-parser', config),
    recordsTopic: config.TOPIC_RECORDS,
    seenObjectsTopic: config.TOPIC_SEEN_OBJECTS,
    logFileHashesTopic: config.TOPIC_LOG_FILE_HASHES,
    reconciliation: auditSettings(config),
    partitionsConsumedConcurrently: config.OBJECTS_IN_FLIGHT,
    maxMessagesPerTransaction: config.OBJECTS_PER_TRANSACTION,
    maxRecordsPerTransaction: config.RECORDS_PER_TRANSACTION,
    maxTransactionMs: config.TRANSACTION_WORK_MS,
    maxBufferedMessages: config.PRODUCE_BATCH_MESSAGES,
    transactionTimeoutMs: config.TRANSACTION_TIMEOUT_MS,
    duplicateRetentionMs: config.DUPLICATE_RETENTION_HOURS * 3_600_000,
    limits: { maxInflatedBytes: config.MAX_INFLATED_BYTES, maxRecordBytes: config.MAX_RECORD_BYTES },
    fetchPolicy: {
      transientAttempts: config.S3_TRANSIENT_ATTEMPTS,
      unavailableAttempts: config.S3_UNAVAILABLE_ATTEMPTS,
      backoff: backoffPolicies.s3Fetch,
    },
    sourceRoles: stageSourceRoles(config, 'fetcher-parser', (problems) => new ConfigError(problems)),
    s3: {
      defaultRegion: config.AWS_REGION,
      // An emulator endpoint (read by the SDK itself) needs path-style URLs.
      forcePathStyle: Boolean(config.AWS_ENDPOINT_URL_S3 ?? config.AWS_ENDPOINT_URL),
      timeoutMs: config.S3_TIMEOUT_MS,
    },
  };
}
