import { type Kafka, Partitioners, type Producer } from 'kafkajs';

/**
 * One transactional producer per input partition, `<prefix>-<inputTopic>-<partition>`: that fences
 * zombies. A producer is registered with the transaction coordinator as soon as it is created.
 */
export class PartitionProducers {
  private readonly producers = new Map<number, Promise<Producer>>();

  constructor(
    private readonly kafka: Kafka,
    private readonly transactionalIdOf: (partition: number) => string,
    private readonly transactionTimeoutMs: number,
  ) {}

  get(partition: number): Promise<Producer> {
    let producer = this.producers.get(partition);
    if (!producer) {
      producer = (async () => {
        const created = this.kafka.producer({
          createPartitioner: Partitioners.DefaultPartitioner,
          transactionalId: this.transactionalIdOf(partition),
          idempotent: true,
          maxInFlightRequests: 1,
          transactionTimeout: this.transactionTimeoutMs,
        });
        await created.connect();
        // kafkajs registers the transactional id (InitProducerId, which fences the previous owner and
        // aborts what it left open) only when a first transaction begins: begin and end one now.
        const fencing = await created.transaction();
        await fencing.abort();
        return created;
      })();
      this.producers.set(partition, producer);
      producer.catch(() => this.producers.delete(partition));
    }
    return producer;
  }

  /** The producer may be fenced or its broker gone: the next transaction starts with a new one. */
  async drop(partition: number): Promise<void> {
    const producer = this.producers.get(partition);
    this.producers.delete(partition);
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }

  /** Initialises the producers of newly assigned partitions and drops those of partitions gone. */
  async assign(partitions: readonly number[]): Promise<void> {
    const kept = new Set(partitions);
    await Promise.all(
      [...this.producers.keys()].filter((partition) => !kept.has(partition)).map((p) => this.drop(p)),
    );
    await Promise.all(partitions.map((partition) => this.get(partition)));
  }

  async dropAll(): Promise<void> {
    await Promise.all([...this.producers.keys()].map((partition) => this.drop(partition)));
  }
}
