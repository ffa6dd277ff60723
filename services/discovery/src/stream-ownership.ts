import type { Logger } from '@trailstream/runtime';
import type { Admin, Consumer, Kafka } from 'kafkajs';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.js';
import type { KafkaGate } from './kafka-gate.js';
import type { StreamCheckpoint } from './poll-window.js';
import { partitionOfStream } from './stream-shards.js';

export interface StreamOwnershipOptions {
  kafka: Kafka;
  gate: KafkaGate;
  logger: Logger;
  checkpointTopic: string;
  groupId: string;
  sessionTimeoutMs: number;
}

/**
 * Which streams this replica may list, and their checkpoints. Replicas join one consumer group on the
 * compacted checkpoint topic; owning a partition means owning the streams that hash to it. A partition
 * counts as owned only once its checkpoints were read up to the end, and ownership ends the moment a
 * rebalance starts or heartbeats stop succeeding, so a replica never lists a stream another one took.
 */
export class StreamOwnership {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly checkpoints = new Map<string, StreamCheckpoint>();
  private assigned = new Set<number>();
  private readonly caughtUp = new Set<number>();
  private readonly readTo = new Map<number, bigint>();
  private readonly endOffsets = new Map<number, bigint>();
  private partitionCount = 0;
  private leaseUntil = 0;

  constructor(private readonly options: StreamOwnershipOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout: options.sessionTimeoutMs,
      heartbeatInterval: Math.max(100, Math.floor(options.sessionTimeoutMs / 10)),
      rebalanceTimeout: options.sessionTimeoutMs * 2,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: Math.min(1_000, options.sessionTimeoutMs / 10),
    });
    this.admin = options.kafka.admin();
  }

  async start(): Promise<void> {
    const { consumer, options } = this;
    await this.admin.connect();
    const metadata = await this.admin.fetchTopicMetadata({ topics: [options.checkpointTopic] });
    this.partitionCount = metadata.topics[0]?.partitions.length ?? 0;
    if (this.partitionCount === 0)
      throw new Error(`checkpoint topic ${options.checkpointTopic} has no partitions`);

    consumer.on(consumer.events.REBALANCING, () => this.release('rebalancing'));
    consumer.on(consumer.events.CRASH, () => this.release('consumer crashed'));
    consumer.on(consumer.events.STOP, () => this.release('consumer stopped'));
    consumer.on(consumer.events.HEARTBEAT, () => this.renewLease());
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      void this.onAssigned(event.payload.memberAssignment[options.checkpointTopic] ?? []);
    });
    await consumer.connect();
    await consumer.subscribe({ topic: options.checkpointTopic, fromBeginning: true });
    // Offsets are never committed: every assignment re-reads its partitions' checkpoints from the start.
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const key = message.key?.toString();
        const checkpoint = message.value ? decodeCheckpoint(message.value) : null;
        if (key && checkpoint) this.checkpoints.set(key, checkpoint);
        else options.logger.warn({ partition, offset: message.offset }, 'ignoring an unreadable checkpoint');
        this.readTo.set(partition, BigInt(message.offset) + 1n);
        this.markCaughtUpIfRead(partition);
      },
    });
  }

  /** True when this replica may list the stream now. */
  owns(streamKey: string): boolean {
    if (Date.now() > this.leaseUntil) return false;
    const partition = partitionOfStream(streamKey, this.partitionCount);
    return this.assigned.has(partition) && this.caughtUp.has(partition);
  }

  ownedPartitions(): number[] {
    return [...this.assigned].filter((partition) => this.caughtUp.has(partition)).sort((a, b) => a - b);
  }

  checkpoint(streamKey: string): StreamCheckpoint | null {
    return this.checkpoints.get(streamKey) ?? null;
  }

  /** Writes the checkpoint to the stream's own partition and resolves once Kafka acknowledged it. */
  async save(streamKey: string, checkpoint: StreamCheckpoint): Promise<void> {
    const partition = partitionOfStream(streamKey, this.partitionCount);
    await this.options.gate.send(
      this.options.checkpointTopic,
      [{ key: streamKey, value: encodeCheckpoint(checkpoint) }],
      partition,
    );
    this.checkpoints.set(streamKey, checkpoint);
  }

  async stop(): Promise<void> {
    this.release('stopping');
    await this.consumer.disconnect();
    await this.admin.disconnect();
  }

  private async onAssigned(partitions: number[]): Promise<void> {
    this.assigned = new Set(partitions);
    this.caughtUp.clear();
    this.readTo.clear();
    this.endOffsets.clear();
    this.renewLease();
    try {
      const offsets = await this.admin.fetchTopicOffsets(this.options.checkpointTopic);
      for (const { partition, high, low } of offsets) {
        this.endOffsets.set(partition, high === low ? 0n : BigInt(high));
        this.markCaughtUpIfRead(partition);
      }
    } catch (error) {
      this.options.logger.warn(
        { err: error },
        'could not read checkpoint offsets; owning nothing until the next assignment',
      );
      this.assigned = new Set();
    }
    this.options.logger.info({ partitions }, 'checkpoint partitions assigned');
  }

  private markCaughtUpIfRead(partition: number): void {
    const end = this.endOffsets.get(partition);
    if (end === undefined || !this.assigned.has(partition)) return;
    if (end === 0n || (this.readTo.get(partition) ?? -1n) >= end) this.caughtUp.add(partition);
  }

  private renewLease(): void {
    // Half a session: the coordinator gives our partitions away only after a whole one without heartbeats.
    this.leaseUntil = Date.now() + this.options.sessionTimeoutMs / 2;
  }

  private release(reason: string): void {
    if (this.assigned.size > 0) this.options.logger.info({ reason }, 'giving up checkpoint partitions');
    this.assigned = new Set();
    this.caughtUp.clear();
    this.leaseUntil = 0;
  }
}
