import { randomUUID } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';

/** A partition's first offset and its last stable offset (read committed), as of one moment. */
export interface PartitionEnds {
  partition: number;
  low: bigint;
  end: bigint;
}

/** Offsets `from` (inclusive) to `to` (exclusive) of one partition. */
export interface OffsetRange {
  partition: number;
  from: bigint;
  to: bigint;
}

export interface ReadCommittedOptions {
  /** Names the throwaway consumer group, for whoever looks at the broker's groups meanwhile. */
  groupPrefix: string;
  /** Fails when no batch arrives for this long while offsets are still to be read. */
  idleTimeoutMs?: number;
}

export async function partitionEnds(kafka: Kafka, topic: string): Promise<PartitionEnds[]> {
  const admin = kafka.admin();
  await admin.connect();
  // ListOffsets defaults to read committed in kafkajs: `high` is the last stable offset.
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  return offsets.map(({ partition, low, high }) => ({ partition, low: BigInt(low), end: BigInt(high) }));
}

/**
 * Reads the given offset ranges of a topic, read committed, and resolves once every range was read
 * to its end. The end is reached whatever sits at the last offsets: data, transaction markers or
 * aborted records (kafkajs never hands those over, so waiting for a message there would never end).
 */
export async function readCommittedRanges(
  kafka: Kafka,
  topic: string,
  ranges: readonly OffsetRange[],
  onMessage: (partition: number, message: KafkaMessage) => void,
  { groupPrefix, idleTimeoutMs = 30_000 }: ReadCommittedOptions,
): Promise<void> {
  const pending = new Map(ranges.filter((r) => r.to > r.from).map((r) => [r.partition, { ...r }]));
  if (pending.size === 0) return;
  const ends = await partitionEnds(kafka, topic);

  // kafkajs has no manual assignment: a throwaway group, alone, gets every partition of the topic and
  // seeks each to where its range starts (or to its end). `from` then tracks what was read, so a batch
  // fetched before the seek took effect is neither lost nor handed over twice.
  const groupId = `${groupPrefix}-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, maxWaitTimeInMs: 100 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const fail = (error: unknown) => {
        settled = true;
        clearTimeout(timer);
        reject(error);
      };
      const stillIdle = () =>
        fail(
          new Error(
            `reading ${topic} made no progress for ${idleTimeoutMs} ms; still to read: ${[...pending.values()]
              .map((r) => `partition ${r.partition} from ${r.from} to ${r.to}`)
              .join(', ')}`,
          ),
        );
      const progressed = () => {
        clearTimeout(timer);
        if (settled) return;
        if (pending.size === 0) {
          settled = true;
          return resolve();
        }
        timer = setTimeout(stillIdle, idleTimeoutMs);
      };
      progressed();
      // Batches made only of transaction markers or aborted records never reach eachBatch; this event
      // sees them all, and batches are contiguous, so everything up to the batch's last offset is read.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const range = pending.get(payload.partition);
        if (range === undefined) return;
        const next = BigInt(payload.lastOffset) + 1n;
        if (next > range.from) range.from = next;
        if (range.from >= range.to) pending.delete(payload.partition);
        progressed();
      });
      consumer.on(consumer.events.CRASH, ({ payload }) => fail(payload.error));
      consumer
        .run({
          autoCommit: false,
          eachBatch: async ({ batch }) => {
            const range = pending.get(batch.partition);
            if (range === undefined) return;
            try {
              for (const message of batch.messages) {
                const offset = BigInt(message.offset);
                if (offset < range.from) continue;
                if (offset >= range.to) break;
                onMessage(batch.partition, message);
                range.from = offset + 1n;
              }
            } catch (error) {
              // Thrown back into kafkajs, the batch would be retried for ever.
              fail(error);
            }
          },
        })
        .then(() => {
          for (const { partition, end } of ends) {
            consumer.seek({ topic, partition, offset: String(pending.get(partition)?.from ?? end) });
          }
        })
        .catch(fail);
    });
  } finally {
    await consumer.disconnect();
    await deleteGroup(kafka, groupId);
  }
}

async function deleteGroup(kafka: Kafka, groupId: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  await admin
    .deleteGroups([groupId])
    .catch(() => undefined)
    .finally(() => admin.disconnect());
}
