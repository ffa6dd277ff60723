import { CompressionTypes, type Message, type Transaction } from 'kafkajs';
import { KafkaStepError } from './chunk-failure.js';

export interface ProduceBufferLimits {
  /** Messages held before one produce request sends them. */
  maxMessages: number;
  /** The same bound in bytes of keys and values, kept under the brokers' 1 MB message batch limit. */
  maxBytes: number;
  /** The topic's `max.message.bytes` (the broker's bound on one record batch), read at start. */
  maxBatchBytes(topic: string): number;
}

/** Room kept in every batch for its header (61 bytes) and what the estimate below leaves out. */
export const BATCH_OVERHEAD_BYTES = 128;
/** A record's own framing (length, attributes, deltas, counts as varints), at most. */
const RECORD_OVERHEAD_BYTES = 32;

/** The bytes a message takes in a record batch, uncompressed: an upper bound of what the broker counts. */
export function recordBytes(message: Message): number {
  let bytes = RECORD_OVERHEAD_BYTES + byteLength(message.key) + byteLength(message.value);
  for (const [key, raw] of Object.entries(message.headers ?? {})) {
    for (const value of Array.isArray(raw) ? raw : [raw]) bytes += Buffer.byteLength(key) + byteLength(value);
  }
  return bytes;
}

const byteLength = (value: Buffer | string | null | undefined) =>
  value === null || value === undefined
    ? 0
    : Buffer.isBuffer(value)
      ? value.length
      : Buffer.byteLength(value);

/** A message larger than its topic accepts, found before it was sent: the broker would refuse it. */
export class OutputTooLarge extends KafkaStepError {
  readonly type = 'MESSAGE_TOO_LARGE';
  constructor(
    readonly topic: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`MESSAGE_TOO_LARGE: a ${bytes}-byte message is over ${topic}'s max.message.bytes (${limit})`, [
      topic,
    ]);
  }
}

/**
 * The produces of one transaction, batched: handlers send a message or a few at a time, and one produce
 * request per message would cap a stage at a few thousand messages a second. A batch is sent before
 * the message that would make it exceed its topic's bound is added, so every request fits.
 */
export class ProduceBuffer {
  private pending = new Map<string, { messages: Message[]; bytes: number }>();
  private count = 0;
  private bytes = 0;

  constructor(
    private readonly transaction: Transaction,
    private readonly limits: ProduceBufferLimits,
    /** Each request's batches compressed so (the limits above count uncompressed bytes: a safe bound). */
    private readonly compression: CompressionTypes = CompressionTypes.None,
  ) {}

  async add(topic: string, messages: readonly Message[]): Promise<void> {
    const limit = this.limits.maxBatchBytes(topic);
    for (const message of messages) {
      const size = recordBytes(message);
      if (size + BATCH_OVERHEAD_BYTES > limit) throw new OutputTooLarge(topic, size, limit);
      const held = this.pending.get(topic);
      if (held && held.bytes + size + BATCH_OVERHEAD_BYTES > limit) await this.flush();
      const list = this.pending.get(topic);
      if (list) {
        list.messages.push(message);
        list.bytes += size;
      } else {
        this.pending.set(topic, { messages: [message], bytes: size });
      }
      this.count++;
      this.bytes += size;
      if (this.count >= this.limits.maxMessages || this.bytes >= this.limits.maxBytes) await this.flush();
    }
  }

  /** Drops what is held (its transaction is being aborted). */
  clear(): void {
    this.pending = new Map();
    this.count = 0;
    this.bytes = 0;
  }

  /**
   * Sends everything held, one request per topic so a refusal names its topic; all of a transaction's
   * produces are flushed before its offsets are sent.
   */
  async flush(): Promise<void> {
    if (this.count === 0) return;
    const held = [...this.pending];
    this.clear();
    for (const [topic, { messages }] of held) {
      await this.transaction
        .sendBatch({ topicMessages: [{ topic, messages }], acks: -1, compression: this.compression })
        .catch((error: Error) => {
          throw new KafkaStepError(`produce to ${topic} failed: ${error.message}`, [topic], { cause: error });
        });
    }
  }
}
