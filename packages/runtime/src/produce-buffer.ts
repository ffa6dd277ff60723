import type { Message, Transaction } from 'kafkajs';
import { KafkaStepError } from './chunk-failure.js';

export interface ProduceBufferLimits {
  /** Messages held before one produce request sends them. */
  maxMessages: number;
  /** The same bound in bytes of keys and values, kept under the brokers' 1 MB message batch limit. */
  maxBytes: number;
}

/**
 * The produces of one transaction, batched: handlers send a message or a few at a time, and one produce
 * request per message would cap a stage at a few thousand messages a second.
 */
export class ProduceBuffer {
  private pending = new Map<string, Message[]>();
  private count = 0;
  private bytes = 0;

  constructor(
    private readonly transaction: Transaction,
    private readonly limits: ProduceBufferLimits,
  ) {}

  async add(topic: string, messages: readonly Message[]): Promise<void> {
    const list = this.pending.get(topic);
    if (list) list.push(...messages);
    else this.pending.set(topic, [...messages]);
    this.count += messages.length;
    for (const m of messages) this.bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
    if (this.count >= this.limits.maxMessages || this.bytes >= this.limits.maxBytes) await this.flush();
  }

  /** Sends everything held; all of a transaction's produces are flushed before its offsets are sent. */
  async flush(): Promise<void> {
    if (this.count === 0) return;
    const topicMessages = [...this.pending].map(([topic, messages]) => ({ topic, messages }));
    this.pending = new Map();
    this.count = 0;
    this.bytes = 0;
    await this.transaction.sendBatch({ topicMessages, acks: -1 }).catch((error: Error) => {
      throw new KafkaStepError(`produce failed: ${error.message}`, { cause: error });
    });
  }
}
