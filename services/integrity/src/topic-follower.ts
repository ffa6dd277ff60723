import { randomUUID } from 'node:crypto';
import type { Logger } from '@trailstream/runtime';
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';

/**
 * Reads a compacted topic from its start and keeps reading, read committed, with a throwaway group of
 * its own (kafkajs has no manual assignment): every replica holds the whole table. `caughtUp()` resolves
 * once everything committed when it was called has been read.
 */
export class TopicFollower {
  private consumer: Consumer | null = null;
  private readonly groupId = `trailstream-integrity-follow-${randomUUID()}`;
  private readonly read = new Map<number, bigint>();
  private readonly waiters: { targets: Map<number, bigint>; resolve: () => void }[] = [];

  constructor(
    private readonly kafka: Kafka,
    private readonly topic: string,
    private readonly onMessage: (message: KafkaMessage, partition: number) => void,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: this.groupId,
      readUncommitted: false,
      maxWaitTimeInMs: 200,
    });
    this.consumer = consumer;
    // Batches made only of transaction markers never reach eachBatch; this event sees them all.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      this.read.set(payload.partition, BigInt(payload.lastOffset) + 1n);
      this.settle();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) =>
      this.logger.error({ err: payload.error, topic: this.topic }, 'following the topic failed'),
    );
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const message of batch.messages) this.onMessage(message, batch.partition);
      },
    });
  }

  async caughtUp(): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    // ListOffsets defaults to read committed in kafkajs: `offset` is the last stable offset.
    const offsets = await admin.fetchTopicOffsets(this.topic).finally(() => admin.disconnect());
    const targets = new Map<number, bigint>();
    for (const { partition, offset, low } of offsets) {
      if (BigInt(offset) > BigInt(low)) targets.set(partition, BigInt(offset));
    }
    await new Promise<void>((resolve) => {
      this.waiters.push({ targets, resolve });
      this.settle();
    });
  }

  private settle(): void {
    for (const waiter of [...this.waiters]) {
      const done = [...waiter.targets].every(
        ([partition, target]) => (this.read.get(partition) ?? 0n) >= target,
      );
      if (!done) continue;
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
    const admin = this.kafka.admin();
    await admin.connect();
    await admin
      .deleteGroups([this.groupId])
      .catch(() => undefined)
      .finally(() => admin.disconnect());
  }
}
