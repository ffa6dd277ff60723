import {
  type KeyFilterRules,
  parseTrailSource,
  parseUtcDay,
  type TrailSource,
} from '@trailstream/cloudtrail';
import { type Config, ConfigError, discoveryScopeEnv, env, stageEnv } from '@trailstream/runtime';
import { SourceCredentials, type SourceRoles, stageSourceRoles } from '@trailstream/trail-bucket';
import { createAwsClients } from './aws-clients.js';
import type { WindowSettings } from './poll-window.js';

export const discoveryEnv = {
  ...stageEnv,
  ...discoveryScopeEnv,
  /** The region of the queues and buckets; also the region of references whose notification names none. */
  AWS_REGION: env.string('us-east-1'),
  /** Path-style S3 URLs, for S3-compatible endpoints and emulators. */
  S3_FORCE_PATH_STYLE: env.boolean(false),
  SQS_RECEIVERS_PER_QUEUE: env.integer(2, { min: 1, max: 50 }),
  SQS_WAIT_TIME_SECONDS: env.integer(20, { min: 0, max: 20 }),
  SQS_VISIBILITY_TIMEOUT_SECONDS: env.integer(60, { min: 3, max: 43_200 }),
  /** A message whose dead letter still cannot be published this long after it was sent is logged as an error. */
  SQS_DEAD_LETTER_ALERT_AGE_SECONDS: env.integer(3_600, { min: 1 }),
  /** Buckets notifications name that get their own `source` label in metrics (POLL_SOURCES ones always do). */
  METRIC_BUCKETS: env.list(),
  POLL_START_DATE: env.optionalString(),
  POLL_INTERVAL_SECONDS: env.integer(60, { min: 1 }),
  POLL_LATENESS_MINUTES: env.integer(30, { min: 1, max: 24 * 60 }),
  KAFKA_GROUP_ID: env.string('trailstream-discovery-poll'),
  INCLUDE_INSIGHTS: env.boolean(false),
  /** Roles to assume per bucket or queue (cross-account sources): a JSON array, see the README. */
  SOURCE_ROLES: env.optionalString(),
};

export type DiscoveryConfig = Config<typeof discoveryEnv>;

/** What to discover: which sources, which keys, how far back. */
export interface DiscoveryScope {
  rules: KeyFilterRules;
  pollSources: TrailSource[];
  window: WindowSettings;
  sourceRoles: SourceRoles;
}

/** The settings that need more than one variable, or more than a type, to check. */
export function resolveDiscoverySettings(config: DiscoveryConfig): DiscoveryScope {
  const problems: string[] = [];
  if (config.SQS_QUEUE_URLS.length === 0 && config.POLL_SOURCES.length === 0) {
    problems.push('set SQS_QUEUE_URLS, POLL_SOURCES, or both: there is nothing to discover from');
  }
  const pollSources: TrailSource[] = [];
  for (const text of config.POLL_SOURCES) {
    const source = parseTrailSource(text);
    if (typeof source === 'string') problems.push(`POLL_SOURCES entry "${text}" is invalid: ${source}`);
    else pollSources.push(source);
  }
  let startAt: number | null = null;
  if (config.POLL_START_DATE !== undefined) {
    const day = parseUtcDay(config.POLL_START_DATE);
    if (day) startAt = Date.UTC(day.year, day.month - 1, day.day);
    else
      problems.push(
        `POLL_START_DATE=${JSON.stringify(config.POLL_START_DATE)} is invalid: expected YYYY-MM-DD`,
      );
  }
  const sourceRoles = stageSourceRoles(
    config,
    'discovery',
    (found) => new ConfigError([...problems, ...found]),
  );
  if (problems.length > 0) throw new ConfigError(problems);
  return {
    sourceRoles,
    rules: {
      includeInsights: config.INCLUDE_INSIGHTS,
      accountsAllow: new Set(config.ACCOUNTS_ALLOW),
      accountsDeny: new Set(config.ACCOUNTS_DENY),
      regionsAllow: new Set(config.REGIONS_ALLOW),
      regionsDeny: new Set(config.REGIONS_DENY),
    },
    pollSources,
    window: { latenessMs: config.POLL_LATENESS_MINUTES * 60_000, startAt },
  };
}

export type DiscoverySettings = ReturnType<typeof discoveryOptions>;

/**
 * What discovery runs with, from its settings. The AWS clients are built here (building one does no
 * I/O), so a test can hand in its own.
 */
export function discoveryOptions(config: DiscoveryConfig) {
  const scope = resolveDiscoverySettings(config);
  return {
    ...scope,
    aws: createAwsClients(config, new SourceCredentials(scope.sourceRoles)),
    region: config.AWS_REGION,
    objectsTopic: config.TOPIC_OBJECTS,
    digestsTopic: config.TOPIC_DIGESTS,
    deadLetterTopic: config.TOPIC_DLQ,
    sqs: {
      queueUrls: config.SQS_QUEUE_URLS,
      receiversPerQueue: config.SQS_RECEIVERS_PER_QUEUE,
      waitTimeSeconds: config.SQS_WAIT_TIME_SECONDS,
      visibilityTimeoutSeconds: config.SQS_VISIBILITY_TIMEOUT_SECONDS,
      deadLetterAlertAgeMs: config.SQS_DEAD_LETTER_ALERT_AGE_SECONDS * 1000,
    },
    metricBuckets: config.METRIC_BUCKETS,
    poll: {
      checkpointTopic: config.POLL_CHECKPOINT_TOPIC,
      groupId: config.KAFKA_GROUP_ID,
      sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
      intervalMs: config.POLL_INTERVAL_SECONDS * 1000,
    },
  };
}
