import type { Kafka } from 'kafkajs';
import type { TopicsConfig } from './config.js';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
  configEntries?: { name: string; value: string }[];
}

/** The pipeline's topics with the settings they need; partitions bound how far each stage scales. */
export function pipelineTopics(names: TopicsConfig, partitions = 12): TopicSpec[] {
  const week = String(7 * 24 * 60 * 60 * 1000);
  return [
    {
      topic: names.TOPIC_OBJECTS,
      numPartitions: partitions,
      configEntries: [{ name: 'retention.ms', value: week }],
    },
    {
      topic: names.TOPIC_RECORDS,
      numPartitions: partitions,
      configEntries: [{ name: 'retention.ms', value: week }],
    },
    {
      topic: names.TOPIC_DATADOG,
      numPartitions: partitions,
      configEntries: [{ name: 'retention.ms', value: week }],
    },
    // Dead letters wait for a person; keep them a month.
    {
      topic: names.TOPIC_DLQ,
      numPartitions: 1,
      configEntries: [{ name: 'retention.ms', value: String(30 * 24 * 60 * 60 * 1000) }],
    },
  ];
}

/** A compacted topic: the latest value per key is kept, for state such as checkpoints and seen objects. */
export function compactedTopic(topic: string, numPartitions: number, deleteRetentionMs?: number): TopicSpec {
  const configEntries = [
    { name: 'cleanup.policy', value: 'compact' },
    { name: 'min.cleanable.dirty.ratio', value: '0.1' },
  ];
  if (deleteRetentionMs !== undefined)
    configEntries.push({ name: 'delete.retention.ms', value: String(deleteRetentionMs) });
  return { topic, numPartitions, configEntries };
}

/** Creates the topics that do not exist yet; existing ones are left as they are. */
export async function ensureTopics(kafka: Kafka, specs: TopicSpec[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((spec) => !existing.has(spec.topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing, waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
}
