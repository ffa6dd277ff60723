import { type Kafka, Partitioners, type Producer } from 'kafkajs';

/** One transactional producer per input partition, `<prefix>-<inputTopic>-<partition>`: that fences zombies. */
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

  async dropAll(): Promise<void> {
    await Promise.all([...this.producers.keys()].map((partition) => this.drop(partition)));
  }
}
