import { type BackoffPolicy, backoffPolicies, type RetryNotice, retry } from '@trailstream/retry';
import type { Stage } from '@trailstream/schemas';
import kafkajs, { type Kafka } from 'kafkajs';
import {
  planTopics,
  stageTopicNames,
  type TopicPlan,
  type TopicSpec,
  type TopicsConfig,
  topicSpecs,
} from './topology.js';

/** The partition count of each of the specs' topics that exists. */
export async function readExistingTopics(
  kafka: Kafka,
  specs: readonly TopicSpec[],
): Promise<Map<string, number>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const listed = new Set(await admin.listTopics());
    const present = specs.map((spec) => spec.topic).filter((topic) => listed.has(topic));
    const existing = new Map<string, number>();
    if (present.length === 0) return existing;
    const { topics } = await admin.fetchTopicMetadata({ topics: present });
    for (const { name, partitions } of topics) existing.set(name, partitions.length);
    return existing;
  } finally {
    await admin.disconnect();
  }
}

/** Creates the planned topics that do not exist yet; existing ones are left as they are. */
export async function createPlannedTopics(kafka: Kafka, plan: TopicPlan): Promise<void> {
  const missing = plan.topics.filter(({ state }) => state === 'create');
  if (missing.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map(({ spec, partitions }) => ({
        topic: spec.topic,
        numPartitions: partitions,
        configEntries: spec.configEntries,
      })),
    });
  } finally {
    await admin.disconnect();
  }
}

/**
 * What every stage does at start: creates the topics it reads and writes that are missing (unless
 * CREATE_TOPICS is off, then only what exists is checked), and refuses to run when a co-partitioned
 * topic has fewer partitions than its partner.
 */
export async function ensureStageTopics(kafka: Kafka, stage: Stage, config: TopicsConfig): Promise<void> {
  const specs = topicSpecs(config, stageTopicNames(stage));
  // Nothing to create and nothing to check: the stage starts without asking Kafka (it may be away).
  if (!config.CREATE_TOPICS && specs.every((spec) => spec.coPartitionedWith === undefined)) return;
  const existing = await readExistingTopics(kafka, specs);
  const plan = planTopics(
    config.CREATE_TOPICS ? specs : specs.filter((spec) => existing.has(spec.topic)),
    existing,
  );
  if (plan.problems.length > 0) throw new Error(plan.problems.join('; '));
  await createPlannedTopics(kafka, plan);
}

export interface StartingBrokerOptions {
  /** Attempts in all; by default about a minute of backoff. */
  attempts?: number;
  policy?: BackoffPolicy;
  onRetry?: (notice: RetryNotice) => void;
}

/**
 * Start-up work against Kafka, retried while the broker answers what says "not yet" (retriable kafkajs
 * errors): a broker that has just come up, or a topic a peer stage created a moment ago, answers
 * UNKNOWN_TOPIC_OR_PARTITION or "coordinator loading" for a few seconds. A stage exiting on that would
 * wait for a restart to fix what a retry does.
 */
export function rideOutStartingBroker<T>(
  work: () => Promise<T>,
  options: StartingBrokerOptions = {},
): Promise<T> {
  return retry(work, {
    attempts: options.attempts ?? 10,
    policy: options.policy ?? backoffPolicies.kafkaConnect,
    onRetry: options.onRetry,
  });
}

// kafkajs is CommonJS: Node's ESM loader does not see this export by name.
const { ConfigResourceTypes } = kafkajs;

/** Kafka's default `max.message.bytes`, for a topic whose own setting cannot be read. */
export const DEFAULT_MAX_MESSAGE_BYTES = 1_048_588;

/** Each topic's `max.message.bytes`: the largest record batch its brokers accept. */
export async function readMaxMessageBytes(
  kafka: Kafka,
  topics: readonly string[],
): Promise<Map<string, number>> {
  const limits = new Map<string, number>();
  for (const [topic, settings] of await readTopicSettings(kafka, topics, ['max.message.bytes'])) {
    const value = Number(settings.get('max.message.bytes'));
    if (Number.isInteger(value) && value > 0) limits.set(topic, value);
  }
  return limits;
}

/** The named settings of each topic as the brokers report them (the topic's own value or the default). */
export async function readTopicSettings(
  kafka: Kafka,
  topics: readonly string[],
  names: readonly string[],
): Promise<Map<string, Map<string, string>>> {
  const settings = new Map<string, Map<string, string>>();
  if (topics.length === 0) return settings;
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [...new Set(topics)].map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: [...names],
      })),
    });
    for (const { resourceName, configEntries } of resources) {
      settings.set(
        resourceName,
        new Map(configEntries.map((entry) => [entry.configName, entry.configValue] as const)),
      );
    }
    return settings;
  } finally {
    await admin.disconnect();
  }
}
