import { type BackoffPolicy, backoffDelay, backoffPolicies, sleep } from '@trailstream/retry';
import type { MessageHeaders, Stage } from '@trailstream/schemas';
import {
  type Consumer,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  type Message,
  Partitioners,
  type Producer,
  type Transaction,
} from 'kafkajs';
import { buildDeadLetter, deadLetterMessage, type FailureReason } from './dead-letter.js';
import type { Logger } from './logger.js';

/** One input message, as a stage's handler sees it. */
export interface StageMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: MessageHeaders;
}

/** What a handler may do inside the open transaction: produce, or dead-letter the message it holds. */
export interface TransactionOutput {
  send(topic: string, messages: Message[]): Promise<void>;
  deadLetter(reason: FailureReason): Promise<void>;
  /** Tells the group this consumer is alive: call it every so often while one message takes long (a large file). */
  heartbeat(): Promise<void>;
}

export interface TransactionalStageOptions {
  kafka: Kafka;
  logger: Logger;
  stage: Stage;
  groupId: string;
  inputTopic: string;
  deadLetterTopic: string;
  /** Producers are `<prefix>-<inputTopic>-<partition>`: one per input partition, which fences zombies. */
  transactionalIdPrefix: string;
  /** Partitions worked on at once; each has its own producer, so ordering within a partition holds. */
  partitionsConsumedConcurrently?: number;
  /** Messages handled in one transaction at most. */
  maxMessagesPerTransaction?: number;
  /** Produced messages held before one produce request sends them (all are sent before the commit). */
  maxBufferedMessages?: number;
  /** The same bound in bytes of keys and values, kept under the brokers' 1 MB message batch limit. */
  maxBufferedBytes?: number;
  transactionTimeoutMs?: number;
  /** Consumer session timeout (KAFKA_SESSION_TIMEOUT_MS): how soon a crashed replica's partitions move. */
  sessionTimeoutMs?: number;
  /** How often one message may make its handler throw before it is dead-lettered as `handler-failed`. */
  maxHandlerAttempts?: number;
  retryPolicy?: BackoffPolicy;
  /** Runs after each (re)assignment and before any message of the new assignment is handled. */
  onPartitionsAssigned?: (partitions: number[]) => Promise<void>;
  /** Called after a transaction committed, for metrics. */
  onCommitted?: (partition: number, messages: number) => void;
  handle(message: StageMessage, output: TransactionOutput): Promise<void>;
}

export interface RunningStage {
  consumer: Consumer;
  /** True from the first group join until a crash or stop. */
  isReady(): boolean;
  stop(): Promise<void>;
}

/** An error from Kafka itself (send, offsets, commit), as opposed to one thrown by the handler. */
class KafkaStepError extends Error {
  override readonly name = 'KafkaStepError';
}

const nextOffset = (offset: string) => (BigInt(offset) + 1n).toString();

function toStageMessage(topic: string, partition: number, message: KafkaMessage): StageMessage {
  return {
    topic,
    partition,
    offset: message.offset,
    key: message.key,
    value: message.value,
    headers: (message.headers ?? {}) as IHeaders as MessageHeaders,
  };
}

/**
 * Consume, transform, produce and commit the input offset in one Kafka transaction: what a handler
 * produces becomes visible to read-committed consumers exactly when the input is marked done.
 */
export async function runTransactionalStage(options: TransactionalStageOptions): Promise<RunningStage> {
  const {
    kafka,
    logger,
    groupId,
    inputTopic,
    maxMessagesPerTransaction = 200,
    transactionTimeoutMs = 300_000,
    maxHandlerAttempts = 5,
    maxBufferedMessages = 1_000,
    maxBufferedBytes = 512 * 1024,
    retryPolicy = backoffPolicies.transaction,
  } = options;
  const log = logger.child({ component: 'transactional-stage', inputTopic, groupId });
  const producers = new Map<number, Promise<Producer>>();
  const handlerFailures = new Map<string, number>();
  let ready = false;
  let assignment: Promise<void> = Promise.resolve();

  function producerFor(partition: number): Promise<Producer> {
    let producer = producers.get(partition);
    if (!producer) {
      producer = (async () => {
        const created = kafka.producer({
          createPartitioner: Partitioners.DefaultPartitioner,
          transactionalId: `${options.transactionalIdPrefix}-${inputTopic}-${partition}`,
          idempotent: true,
          maxInFlightRequests: 1,
          transactionTimeout: transactionTimeoutMs,
        });
        await created.connect();
        return created;
      })();
      producers.set(partition, producer);
      producer.catch(() => producers.delete(partition));
    }
    return producer;
  }

  async function dropProducer(partition: number): Promise<void> {
    const producer = producers.get(partition);
    producers.delete(partition);
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }

  /**
   * Produces of one transaction, batched: handlers send a message or a few at a time, and one produce
   * request per message would cap a stage at a few thousand messages a second.
   */
  function transactionBuffer(transaction: Transaction) {
    let pending = new Map<string, Message[]>();
    let count = 0;
    let bytes = 0;
    async function flush(): Promise<void> {
      if (count === 0) return;
      const topicMessages = [...pending].map(([topic, messages]) => ({ topic, messages }));
      pending = new Map();
      count = 0;
      bytes = 0;
      await transaction.sendBatch({ topicMessages, acks: -1 }).catch((error: Error) => {
        throw new KafkaStepError(`produce failed: ${error.message}`, { cause: error });
      });
    }
    return {
      flush,
      async add(topic: string, messages: Message[]): Promise<void> {
        const list = pending.get(topic);
        if (list) list.push(...messages);
        else pending.set(topic, [...messages]);
        count += messages.length;
        for (const m of messages) bytes += (m.value?.length ?? 0) + (m.key?.length ?? 0);
        if (count >= maxBufferedMessages || bytes >= maxBufferedBytes) await flush();
      },
    };
  }

  function outputFor(
    buffer: ReturnType<typeof transactionBuffer>,
    message: StageMessage,
    heartbeat: () => Promise<void>,
  ): TransactionOutput {
    return {
      heartbeat,
      async send(topic, messages) {
        if (messages.length > 0) await buffer.add(topic, messages);
      },
      async deadLetter(reason) {
        const letter = buildDeadLetter(options.stage, message, reason);
        log.warn(
          { partition: message.partition, offset: message.offset, reasonClass: reason.reasonClass },
          `dead-lettered: ${reason.reasonMessage}`,
        );
        await buffer.add(options.deadLetterTopic, [deadLetterMessage(letter)]);
      },
    };
  }

  async function handleInOrder(
    buffer: ReturnType<typeof transactionBuffer>,
    messages: StageMessage[],
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    for (const message of messages) {
      const output = outputFor(buffer, message, heartbeat);
      const failureKey = `${message.partition}:${message.offset}`;
      const failures = handlerFailures.get(failureKey) ?? 0;
      if (failures >= maxHandlerAttempts) {
        await output.deadLetter({
          reasonClass: 'handler-failed',
          reasonMessage: `the handler failed ${failures} times on this message; see the service log for each error`,
          attempts: failures,
        });
      } else {
        try {
          await options.handle(message, output);
        } catch (error) {
          if (error instanceof KafkaStepError) throw error;
          handlerFailures.set(failureKey, failures + 1);
          throw error;
        }
      }
      await heartbeat();
    }
  }

  /** Commits one chunk, retrying handler failures with backoff until each message is produced or dead-lettered. */
  async function commitChunk(
    partition: number,
    messages: StageMessage[],
    heartbeat: () => Promise<void>,
    isStale: () => boolean,
  ): Promise<void> {
    const last = messages[messages.length - 1]!;
    for (let attempt = 0; ; attempt++) {
      const producer = await producerFor(partition);
      const transaction = await producer.transaction();
      try {
        const buffer = transactionBuffer(transaction);
        await handleInOrder(buffer, messages, heartbeat);
        await buffer.flush();
        await sendOffsetsWithRetry(transaction, partition, nextOffset(last.offset));
        await transaction.commit();
        for (const m of messages) handlerFailures.delete(`${partition}:${m.offset}`);
        options.onCommitted?.(partition, messages.length);
        return;
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        // A kafkajs error here comes from the group (heartbeat: rebalance, member unknown after a broker
        // restart): only kafkajs itself can recover by rejoining, so it must get the error, not a retry.
        const fromKafka =
          error instanceof KafkaStepError || (error instanceof Error && error.name.startsWith('KafkaJS'));
        if (fromKafka || !(error instanceof Error) || isStale()) {
          // The producer may be fenced or the broker gone: start clean and let the consumer re-fetch.
          await dropProducer(partition);
          throw error;
        }
        const delay = backoffDelay(attempt, retryPolicy);
        log.warn(
          { partition, err: error, attempt: attempt + 1, delayMs: delay },
          'handler failed; transaction aborted, retrying',
        );
        await sleep(delay);
        if (isStale()) throw error;
      }
    }
  }

  async function sendOffsetsWithRetry(
    transaction: Transaction,
    partition: number,
    offset: string,
  ): Promise<void> {
    // kafkajs does not retry CONCURRENT_TRANSACTIONS on sendOffsets by itself.
    for (let attempt = 0; ; attempt++) {
      try {
        await transaction.sendOffsets({
          consumerGroupId: groupId,
          topics: [{ topic: inputTopic, partitions: [{ partition, offset }] }],
        });
        return;
      } catch (error) {
        const type = (error as { type?: string }).type;
        if (type !== 'CONCURRENT_TRANSACTIONS' || attempt >= 20) {
          throw new KafkaStepError(`committing offset ${offset} failed: ${(error as Error).message}`, {
            cause: error,
          });
        }
        await sleep(50 * (attempt + 1));
      }
    }
  }

  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: 500,
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    ready = true;
    const partitions = payload.memberAssignment[inputTopic] ?? [];
    log.info({ partitions }, 'partitions assigned');
    assignment = options.onPartitionsAssigned ? options.onPartitionsAssigned(partitions) : Promise.resolve();
  });
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    ready = false;
    log.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
  });

  await consumer.connect();
  await consumer.subscribe({ topic: inputTopic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      await assignment;
      const messages = batch.messages.map((m) => toStageMessage(batch.topic, batch.partition, m));
      for (let start = 0; start < messages.length; start += maxMessagesPerTransaction) {
        if (!isRunning() || isStale()) return;
        const chunk = messages.slice(start, start + maxMessagesPerTransaction);
        await commitChunk(batch.partition, chunk, heartbeat, isStale);
        resolveOffset(chunk[chunk.length - 1]!.offset);
      }
    },
  });

  return {
    consumer,
    isReady: () => ready,
    async stop() {
      ready = false;
      await consumer.disconnect();
      await Promise.all([...producers.keys()].map(dropProducer));
    },
  };
}
