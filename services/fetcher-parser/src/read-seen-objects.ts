import { randomUUID } from 'node:crypto';
import type { Logger } from '@trailstream/runtime';
import type { Kafka } from 'kafkajs';
import type { SeenObject } from './seen-objects.js';
import { parseSeenObject } from './seen-objects-changelog.js';

/**
 * Reads the given partitions of the changelog from the start up to their last stable offset, read
 * committed: what committed transactions recorded. A transaction left open by a crashed process is
 * not waited for; it is aborted when this process's producer for that partition starts.
 */
export async function readSeenObjects(
  kafka: Kafka,
  topic: string,
  partitions: readonly number[],
  logger: Logger,
  timeoutMs = 120_000,
): Promise<Map<number, SeenObject[]>> {
  const entries = new Map<number, SeenObject[]>(partitions.map((p) => [p, []]));
  const admin = kafka.admin();
  await admin.connect();
  // ListOffsets defaults to read committed in kafkajs: `offset` is the last stable offset.
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const targets = new Map<number, bigint>();
  for (const { partition, offset, low } of offsets) {
    if (entries.has(partition) && BigInt(offset) > BigInt(low)) targets.set(partition, BigInt(offset));
  }
  if (targets.size === 0) return entries;

  // kafkajs has no manual assignment: a throwaway group, alone, gets every partition of the topic.
  const groupId = `trailstream-fetcher-parser-restore-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
  let skipped = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`restoring ${topic} did not finish within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const finishIfDone = () => {
        if (targets.size > 0) return;
        clearTimeout(timer);
        resolve();
      };
      // Batches made only of transaction markers never reach eachBatch; this event sees them all.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const target = targets.get(payload.partition);
        if (target !== undefined && BigInt(payload.lastOffset) + 1n >= target)
          targets.delete(payload.partition);
        finishIfDone();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => reject(payload.error));
      void consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const list = entries.get(batch.partition);
            if (!list) return;
            for (const message of batch.messages) {
              const entry = parseSeenObject(message.key, message.value);
              if (entry) list.push(entry);
              else skipped++;
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
    await deleteGroup(kafka, groupId);
  }
  if (skipped > 0)
    logger.warn({ topic, skipped }, 'changelog entries that are not seen-object records were ignored');
  return entries;
}

async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin
    .deleteGroups([groupId])
    .catch(() => undefined)
    .finally(() => admin.disconnect());
}
