import { type BackoffPolicy, backoffDelay, backoffPolicies, retry } from '@trailstream/retry';
import type { Stage } from '@trailstream/schemas';
import type { CompressionTypes, EachBatchPayload, Transaction } from 'kafkajs';
import type { StageAudit } from './audit/stage-audit.js';
import {
  classifyChunkFailure,
  isKafkaUnreachable,
  KafkaStepError,
  kafkaErrorType,
  kafkaRefusalKind,
} from './chunk-failure.js';
import { buildDeadLetter, fittingDeadLetterMessage } from './dead-letter.js';
import type { FailedMessages } from './failed-messages.js';
import type { Logger } from './logger.js';
import type { PartitionHealth } from './partition-health.js';
import type { PartitionProducers } from './partition-producers.js';
import {
  BATCH_OVERHEAD_BYTES,
  OutputTooLarge,
  ProduceBuffer,
  type ProduceBufferLimits,
} from './produce-buffer.js';
import {
  type StageHandler,
  type StageMessage,
  type TransactionOutput,
  toStageMessage,
} from './stage-message.js';

export interface PartitionLoopContext {
  stage: Stage;
  groupId: string;
  inputTopic: string;
  deadLetterTopic: string;
  maxMessagesPerTransaction: number;
  /** Records (produced messages and dead letters) in one transaction before it is committed and the next begun. */
  maxRecordsPerTransaction: number;
  /** Milliseconds of work in one transaction before it is committed and the next begun: far under transaction.timeout.ms. */
  maxTransactionMs: number;
  maxHandlerAttempts: number;
  /** Transactions of one chunk fenced or void in a row before the stage gives up (`onFatal`). */
  maxTransactionAttempts: number;
  bufferLimits: ProduceBufferLimits;
  compression: CompressionTypes;
  retryPolicy: BackoffPolicy;
  producers: PartitionProducers;
  failed: FailedMessages;
  health: PartitionHealth;
  log: Logger;
  /** The stage cannot go on (its transactions keep being fenced): the process must exit non-zero. */
  onFatal: (error: Error) => void;
  /** Called for each dead letter once its transaction committed. */
  onDeadLettered: (reasonClass: string) => void;
  /** Called with each committed transaction's duration in seconds. */
  onTransaction: (seconds: number) => void;
  onCommitted?: (partition: number, messages: number) => void;
  /** Reconciliation counts, written in each transaction with its output. */
  audit?: StageAudit;
  /** Resolves once the current assignment's state is restored. */
  assignment: () => Promise<void>;
  handle: StageHandler;
}

/** The handler threw on this message; `error` is what it threw. */
class HandlerThrew extends Error {
  constructor(
    readonly failed: StageMessage,
    readonly error: unknown,
  ) {
    super('the handler threw');
  }
}

/** Kafka refuses what the handler produced for this one message: it is dead-lettered instead. */
class OutputRefused extends Error {
  constructor(
    readonly failed: StageMessage,
    readonly kafkaError: string,
    readonly error: Error,
  ) {
    super(error.message);
  }
}

/**
 * The chunk's transaction was aborted and it is worth handling again; `error` is why it failed.
 * isolate: hand it over one message per produce request, to find which one Kafka refuses. blocked:
 * Kafka refuses writes to `topic` for every message (wait, do not count). fenced: the producer was void.
 */
class ChunkRetry extends Error {
  constructor(
    readonly error: unknown,
    readonly why: 'handler' | 'refused' | 'isolate' | 'blocked' | 'fenced' | 'unreachable',
    readonly blocked?: { topic: string; type: string },
  ) {
    super('chunk to be retried');
  }
}

/** The stage must stop: retrying cannot get this chunk through. */
export class StageFailed extends Error {
  override readonly name = 'StageFailed';
}

const nextOffset = (offset: string) => (BigInt(offset) + 1n).toString();

/** One transaction of a chunk, open: what it holds so far. */
interface OpenTransaction {
  transaction: Transaction;
  buffer: ProduceBuffer;
  startedAt: number;
  records: number;
  deadLettered: string[];
}

/**
 * The work on one partition's batch: chunks of messages, each handled, produced and committed in one
 * transaction on the partition's own producer, so commits stay in offset order.
 */
export function partitionLoop(context: PartitionLoopContext): (payload: EachBatchPayload) => Promise<void> {
  const { log, failed, producers } = context;

  const isFull = (open: OpenTransaction) =>
    open.records >= context.maxRecordsPerTransaction ||
    Date.now() - open.startedAt >= context.maxTransactionMs;

  function outputFor(
    current: () => OpenTransaction,
    message: StageMessage,
    heartbeat: () => Promise<void>,
    commitProgress: () => Promise<void>,
  ): TransactionOutput {
    return {
      heartbeat,
      transactionFull: () => isFull(current()),
      commitProgress,
      async send(topic, messages) {
        if (messages.length === 0) return;
        const open = current();
        open.records += messages.length;
        await open.buffer.add(topic, messages).catch((error: unknown) => {
          if (error instanceof OutputTooLarge) throw new OutputRefused(message, error.type, error);
          throw error;
        });
      },
      async deadLetter(reason, subject) {
        const { letter, message: letterMessage } = fittingDeadLetterMessage(
          (maxValueBytes) => buildDeadLetter(context.stage, message, reason, { subject, maxValueBytes }),
          context.bufferLimits.maxBatchBytes(context.deadLetterTopic) - BATCH_OVERHEAD_BYTES,
        );
        log.warn(
          {
            partition: message.partition,
            offset: message.offset,
            reasonClass: reason.reasonClass,
            ...(letter.originalRecord ? { record: letter.originalRecord } : {}),
          },
          `dead-lettered: ${reason.reasonMessage}`,
        );
        const open = current();
        open.records++;
        await open.buffer.add(context.deadLetterTopic, [letterMessage]);
        open.deadLettered.push(reason.reasonClass);
      },
    };
  }

  /** Sends what `message` produced alone, so a refusal of it names that message. */
  async function flushFor(buffer: ProduceBuffer, message: StageMessage): Promise<void> {
    await buffer.flush().catch((error: unknown) => {
      const type = kafkaErrorType(error);
      const refusedTopics = error instanceof KafkaStepError ? error.topics : [];
      if (
        type !== null &&
        kafkaRefusalKind(type) === 'message' &&
        !refusedTopics.includes(context.deadLetterTopic)
      ) {
        throw new OutputRefused(message, type, error as Error);
      }
      throw error;
    });
  }

  async function sendOffsets(transaction: Transaction, partition: number, offset: string): Promise<void> {
    // kafkajs does not retry CONCURRENT_TRANSACTIONS on sendOffsets by itself.
    await retry(
      () =>
        transaction.sendOffsets({
          consumerGroupId: context.groupId,
          topics: [{ topic: context.inputTopic, partitions: [{ partition, offset }] }],
        }),
      {
        policy: backoffPolicies.transactionCoordinator,
        attempts: 21,
        isRetriable: (error) => (error as { type?: string }).type === 'CONCURRENT_TRANSACTIONS',
      },
    ).catch((error: Error) => {
      throw new KafkaStepError(`committing offset ${offset} failed: ${error.message}`, [], { cause: error });
    });
  }

  async function begin(partition: number): Promise<OpenTransaction> {
    const producer = await producers.get(partition);
    const transaction = await producer.transaction();
    return {
      transaction,
      buffer: new ProduceBuffer(transaction, context.bufferLimits, context.compression),
      startedAt: Date.now(),
      records: 0,
      deadLettered: [],
    };
  }

  /** Flushes and commits `open` with the input offset at `offset`; `done` are the messages it completes. */
  async function finish(
    open: OpenTransaction,
    partition: number,
    offset: string,
    done: StageMessage[],
  ): Promise<void> {
    if (context.audit) {
      const counts = context.audit.ledger.stage(partition, offset);
      if (counts.length > 0) await open.buffer.add(context.audit.ledger.topic, counts);
    }
    await open.buffer.flush();
    await sendOffsets(open.transaction, partition, offset);
    await open.transaction.commit();
    context.audit?.ledger.commit(partition);
    const ms = Date.now() - open.startedAt;
    context.onTransaction(ms / 1_000);
    log.debug(
      { partition, offset, messages: done.length, records: open.records, ms },
      'transaction committed',
    );
    failed.forget(done);
    for (const reasonClass of open.deadLettered) context.onDeadLettered(reasonClass);
    context.onCommitted?.(partition, done.length);
  }

  /**
   * Handles the chunk from its first message not yet committed (`committed.messages`), in transactions
   * bounded in records and time: one is committed between two messages once full, or inside a message
   * when its handler calls `commitProgress`, and the next begun. `committed` counts the messages
   * committed, so a retry after an abort starts where the last commit left off.
   */
  async function transactChunk(
    partition: number,
    messages: StageMessage[],
    heartbeat: () => Promise<void>,
    isStale: () => boolean,
    isolate: boolean,
    committed: { messages: number },
  ): Promise<void> {
    let open = await begin(partition).catch(async (thrown: unknown) => {
      throw await afterAbort(partition, thrown, isStale, isolate);
    });
    try {
      for (let index = committed.messages; index < messages.length; index++) {
        const message = messages[index]!;
        const commitProgress = async () => {
          await finish(open, partition, message.offset, messages.slice(committed.messages, index));
          committed.messages = index;
          open = await begin(partition);
        };
        const output = outputFor(() => open, message, heartbeat, commitProgress);
        const deadLetter = failed.deadLetterFor(message);
        if (deadLetter) {
          await output.deadLetter(deadLetter);
          context.audit?.countDeadLetter(message, deadLetter.reasonClass);
        } else {
          try {
            await context.handle(message, output);
          } catch (error) {
            if (error instanceof KafkaStepError || error instanceof OutputRefused) throw error;
            throw new HandlerThrew(message, error);
          }
        }
        if (isolate) await flushFor(open.buffer, message);
        await heartbeat();
        if (index < messages.length - 1 && isFull(open)) {
          await finish(
            open,
            partition,
            nextOffset(message.offset),
            messages.slice(committed.messages, index + 1),
          );
          committed.messages = index + 1;
          open = await begin(partition);
        }
      }
      const last = messages[messages.length - 1]!;
      await finish(open, partition, nextOffset(last.offset), messages.slice(committed.messages));
      committed.messages = messages.length;
    } catch (thrown) {
      await open.transaction.abort().catch(() => undefined);
      context.audit?.ledger.discard(partition);
      throw await afterAbort(partition, thrown, isStale, isolate);
    }
  }

  /**
   * What a failed chunk means (its transaction aborted, or not begun): the error to throw, a ChunkRetry
   * when it is worth another go.
   */
  async function afterAbort(
    partition: number,
    thrown: unknown,
    isStale: () => boolean,
    isolate: boolean,
  ): Promise<unknown> {
    if (thrown instanceof OutputRefused) {
      // A produce the broker refused may leave the producer's sequence numbers behind: start afresh.
      if (!(thrown.error instanceof OutputTooLarge)) await producers.drop(partition);
      failed.record(thrown.failed, failed.failures(thrown.failed) + 1, {
        reasonClass: 'kafka-refused',
        reasonMessage: `Kafka refuses what this message produced (${thrown.kafkaError}): ${thrown.error.message}`,
        attempts: 1,
      });
      return new ChunkRetry(thrown.error, 'refused');
    }
    // A broker restarting, a network blip: kafkajs may call it final, and its consumer would stop for good.
    const unreachable = (error: unknown) =>
      !isStale() && isKafkaUnreachable(error) ? new ChunkRetry(error, 'unreachable') : null;
    if (thrown instanceof HandlerThrew) {
      const handlerFailures = failed.failures(thrown.failed) + 1;
      const verdict = classifyChunkFailure({
        error: thrown.error,
        handlerFailures,
        stale: isStale(),
        maxHandlerAttempts: context.maxHandlerAttempts,
      });
      failed.record(thrown.failed, handlerFailures, verdict.deadLetter);
      if (verdict.next === 'retry') return new ChunkRetry(thrown.error, 'handler');
      await producers.drop(partition);
      return unreachable(thrown.error) ?? thrown.error;
    }
    const unreachableRetry = unreachable(thrown);
    if (unreachableRetry) {
      await producers.drop(partition);
      return unreachableRetry;
    }
    const type = kafkaErrorType(thrown);
    const kind = kafkaRefusalKind(type);
    if (isStale() || kind === 'other' || type === null) {
      // kafkajs alone recovers from what the group or the brokers said, by rejoining and fetching again.
      await producers.drop(partition);
      return thrown;
    }
    const topics = thrown instanceof KafkaStepError ? thrown.topics : [];
    if (kind === 'fenced') {
      await producers.drop(partition);
      return new ChunkRetry(thrown, 'fenced');
    }
    if (kind === 'message' && !isolate && !topics.includes(context.deadLetterTopic)) {
      await producers.drop(partition);
      return new ChunkRetry(thrown, 'isolate');
    }
    const topic = topics.includes(context.deadLetterTopic)
      ? context.deadLetterTopic
      : (topics[0] ?? `${context.inputTopic} (offsets)`);
    return new ChunkRetry(thrown, 'blocked', { topic, type });
  }

  /**
   * Commits one chunk, handling it again until each message is produced or dead-lettered: after a
   * backoff when a handler threw, at once when a message was refused, and for as long as Kafka refuses
   * writes for every message (the partition is then held still and reported).
   */
  async function commitChunk(
    partition: number,
    messages: StageMessage[],
    heartbeat: () => Promise<void>,
    isStale: () => boolean,
  ): Promise<void> {
    let last: ChunkRetry | null = null;
    let isolate = false;
    let voidTransactions = 0;
    const committed = { messages: 0 };
    await retry(
      async (attempt) => {
        if (attempt > 1 && isStale()) throw last?.error;
        if (attempt > 1) await heartbeat();
        try {
          await transactChunk(partition, messages, heartbeat, isStale, isolate, committed);
          context.health.unblock(partition);
        } catch (error) {
          if (!(error instanceof ChunkRetry)) throw error;
          last = error;
          if (error.why === 'isolate') isolate = true;
          if (error.why === 'blocked')
            context.health.block(partition, error.blocked!.topic, error.blocked!.type);
          if (error.why === 'fenced' && ++voidTransactions >= context.maxTransactionAttempts) {
            const fatal = new StageFailed(
              `partition ${partition}: ${voidTransactions} transactions in a row were fenced or void (${kafkaErrorType(error.error)}); another process may share this stage's transactional ids`,
              { cause: error.error },
            );
            context.onFatal(fatal);
            throw fatal;
          }
          throw error;
        }
      },
      {
        policy: context.retryPolicy,
        isRetriable: (error) => error instanceof ChunkRetry,
        delayMs: (error, attempt) =>
          error instanceof ChunkRetry && (error.why === 'refused' || error.why === 'isolate')
            ? 0
            : backoffDelay(Math.min(attempt - 1, 16), context.retryPolicy),
        onRetry: ({ attempt, delayMs }) => {
          if (last?.why === 'blocked') return;
          log.warn(
            { partition, err: last?.error, attempt, delayMs, why: last?.why },
            'transaction aborted; handling the chunk again',
          );
        },
      },
    );
  }

  return async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
    await context.assignment();
    const messages = batch.messages.map((m) => toStageMessage(batch.topic, batch.partition, m));
    for (let start = 0; start < messages.length; start += context.maxMessagesPerTransaction) {
      if (!isRunning() || isStale()) return;
      const chunk = messages.slice(start, start + context.maxMessagesPerTransaction);
      await commitChunk(batch.partition, chunk, heartbeat, isStale);
      resolveOffset(chunk[chunk.length - 1]!.offset);
    }
  };
}
