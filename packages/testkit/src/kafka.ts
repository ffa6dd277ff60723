import { registerKafkaCodecs } from '@trailstream/runtime';
import { Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import { inject } from 'vitest';
import { uniqueName } from './names.js';

// The stages write zstd batches (KAFKA_COMPRESSION): every client a test builds must read them.
registerKafkaCodecs();

export function testKafka(clientId = 'trailstream-test'): Kafka {
  return new Kafka({ clientId, brokers: inject('endpoints').kafkaBrokers, logLevel: logLevel.NOTHING });
}

export interface TestTopicSpec {
  partitions?: number;
  compacted?: boolean;
  /** The topic's `max.message.bytes`: the largest record batch its brokers accept. */
  maxMessageBytes?: number;
}

/** Creates topics with unique names, so tests run in parallel without seeing each other's data. */
export async function createTestTopics<K extends string>(
  kafka: Kafka,
  specs: Record<K, TestTopicSpec>,
): Promise<Record<K, string>> {
  const names = Object.fromEntries(Object.keys(specs).map((k) => [k, uniqueName(`t-${k}`)])) as Record<
    K,
    string
  >;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      waitForLeaders: true,
      topics: (Object.entries(specs) as [K, TestTopicSpec][]).map(([k, spec]) => ({
        topic: names[k],
        numPartitions: spec.partitions ?? 1,
        configEntries: [
          ...(spec.compacted ? [{ name: 'cleanup.policy', value: 'compact' }] : []),
          ...(spec.maxMessageBytes
            ? [{ name: 'max.message.bytes', value: String(spec.maxMessageBytes) }]
            : []),
        ],
      })),
    });
  } finally {
    await admin.disconnect();
  }
  return names;
}

export type CollectedMessage = KafkaMessage & { topic: string; partition: number };

export interface CollectOptions {
  /** Stop as soon as this holds for what was read so far. */
  until: (messages: CollectedMessage[]) => boolean;
  timeoutMs?: number;
  /** Read committed (the default) sees only what committed transactions produced. */
  readUncommitted?: boolean;
}

/**
 * Reads a topic from the beginning with a fresh consumer group until `until` holds; on timeout it
 * returns what it has, so the test's assertion says what was missing.
 */
export async function collectMessages(
  kafka: Kafka,
  topic: string,
  options: CollectOptions,
): Promise<CollectedMessage[]> {
  const consumer = kafka.consumer({
    groupId: uniqueName('collector'),
    readUncommitted: options.readUncommitted ?? false,
    maxWaitTimeInMs: 200,
  });
  const messages: CollectedMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.timeoutMs ?? 30_000);
      if (options.until(messages)) {
        clearTimeout(timer);
        resolve();
        return;
      }
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages)
            messages.push({ ...m, topic: batch.topic, partition: batch.partition });
          if (options.until(messages)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** Reads for a quiet period and returns everything, for asserting that nothing (more) arrived. */
export function collectFor(
  kafka: Kafka,
  topic: string,
  ms: number,
  readUncommitted = false,
): Promise<CollectedMessage[]> {
  return collectMessages(kafka, topic, { until: () => false, timeoutMs: ms, readUncommitted });
}
