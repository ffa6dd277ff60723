import { compactedTopic, ensureTopics, pipelineTopics, type TopicSpec } from '@trailstream/runtime';
import type { Kafka } from 'kafkajs';
import type { FetcherConfig } from './config.js';

/**
 * Creates the topics this stage uses when missing. The changelog gets as many partitions as the
 * objects topic: entry N belongs to input partition N. It is compacted (one entry per object) and
 * also deletes entries older than the duplicate retention.
 */
export async function ensureFetcherTopics(kafka: Kafka, config: FetcherConfig): Promise<void> {
  const wanted = new Set([config.TOPIC_OBJECTS, config.TOPIC_RECORDS, config.TOPIC_DLQ]);
  await ensureTopics(
    kafka,
    pipelineTopics(config, config.TOPIC_PARTITIONS).filter((spec) => wanted.has(spec.topic)),
  );
  const inputPartitions = await partitionCount(kafka, config.TOPIC_OBJECTS);
  await ensureTopics(kafka, [
    seenObjectsTopic(config.TOPIC_SEEN_OBJECTS, inputPartitions, config.DUPLICATE_RETENTION_HOURS),
  ]);
  const changelogPartitions = await partitionCount(kafka, config.TOPIC_SEEN_OBJECTS);
  if (changelogPartitions < inputPartitions) {
    throw new Error(
      `${config.TOPIC_SEEN_OBJECTS} has ${changelogPartitions} partitions but ${config.TOPIC_OBJECTS} has ${inputPartitions}: add partitions to the changelog`,
    );
  }
}

/** The processed-objects changelog: compacted (one entry per object), and entries past the retention deleted. */
export function seenObjectsTopic(topic: string, partitions: number, retentionHours: number): TopicSpec {
  const changelog = compactedTopic(topic, partitions);
  changelog.configEntries = [
    ...(changelog.configEntries ?? []).filter((entry) => entry.name !== 'cleanup.policy'),
    { name: 'cleanup.policy', value: 'compact,delete' },
    { name: 'retention.ms', value: String(retentionHours * 3_600_000) },
    { name: 'segment.ms', value: String(3_600_000) },
  ];
  return changelog;
}

async function partitionCount(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0]?.partitions.length ?? 0;
  } finally {
    await admin.disconnect();
  }
}
