import { backoffPolicies } from '@trailstream/retry';
import {
  type Config,
  ConfigError,
  env,
  transactionalStageEnv,
  transactionalStageSettings,
} from '@trailstream/runtime';
import { stageSourceRoles } from '@trailstream/trail-bucket';

export const integrityEnv = {
  ...transactionalStageEnv('integrity'),
  /**
   * CloudTrail public keys in `aws cloudtrail list-public-keys --output json` shape, for air-gapped
   * deployments and tests; unset, the keys come from CloudTrail's ListPublicKeys per region (cached).
   */
  PUBLIC_KEYS_FILE: env.optionalString(),
  /** A digest chain with neither a digest nor a log file for this long is reported silent. */
  SILENT_AFTER_MINUTES: env.integer(120, { min: 5, max: 7 * 24 * 60 }),
  SILENCE_CHECK_SECONDS: env.integer(60, { min: 1, max: 3_600 }),
  S3_TRANSIENT_ATTEMPTS: env.integer(5, { min: 1, max: 100 }),
  S3_TIMEOUT_MS: env.integer(30_000, { min: 1_000, max: 600_000 }),
  AWS_REGION: env.string('us-east-1'),
  /** Roles to assume per bucket (cross-account sources): a JSON array, see the discovery README. */
  SOURCE_ROLES: env.optionalString(),
  AWS_ENDPOINT_URL: env.url(),
  AWS_ENDPOINT_URL_S3: env.url(),
};

export type IntegrityConfig = Config<typeof integrityEnv>;
export type IntegritySettings = ReturnType<typeof integrityOptions>;

/** What the integrity stage runs with, from its settings. */
export function integrityOptions(config: IntegrityConfig) {
  return {
    ...transactionalStageSettings('integrity', config),
    datadogTopic: config.TOPIC_DATADOG,
    logFileHashesTopic: config.TOPIC_LOG_FILE_HASHES,
    chainsTopic: config.TOPIC_INTEGRITY_CHAINS,
    publicKeysFile: config.PUBLIC_KEYS_FILE ?? null,
    silentAfterMs: config.SILENT_AFTER_MINUTES * 60_000,
    silenceCheckMs: config.SILENCE_CHECK_SECONDS * 1_000,
    // A digest is read whole and is small: a few per transaction keep a retry cheap.
    maxMessagesPerTransaction: 20,
    fetchPolicy: {
      transientAttempts: config.S3_TRANSIENT_ATTEMPTS,
      // A missing object is a finding, not a reason to wait.
      unavailableAttempts: 1,
      backoff: backoffPolicies.s3Fetch,
    },
    sourceRoles: stageSourceRoles(config, 'integrity', (problems) => new ConfigError(problems)),
    s3: {
      region: config.AWS_REGION,
      forcePathStyle: Boolean(config.AWS_ENDPOINT_URL_S3 ?? config.AWS_ENDPOINT_URL),
      timeoutMs: config.S3_TIMEOUT_MS,
    },
  };
}
