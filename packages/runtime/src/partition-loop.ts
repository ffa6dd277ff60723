import { type BackoffPolicy, backoffPolicies, retry } from '@trailstream/retry';
import type { Stage } from '@trailstream/schemas';
import type { EachBatchPayload, Transaction } from 'kafkajs';
import { classifyChunkFailure, KafkaStepError } from './chunk-failure.js';
import { buildDeadLetter, deadLetterMessage } from './dead-letter.js';
import type { FailedMessages } from './failed-messages.js';
import type { Logger } from './logger.js';
import type { PartitionProducers } from './partition-producers.js';
import { ProduceBuffer, type ProduceBufferLimits } from './produce-buffer.js';
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
  maxHandlerAttempts: number;
  bufferLimits: ProduceBufferLimits;
  retryPolicy: BackoffPolicy;
  producers: PartitionProducers;
  failed: FailedMessages;
  log: Logger;
  /** Called for each dead letter once its transaction committed. */
  onDeadLettered: (reasonClass: string) => void;
  onCommitted?: (partition: number, messages: number) => void;
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

/** The chunk's transaction was aborted and it is worth handling again; `error` is why it failed. */
class ChunkRetry extends Error {
  constructor(readonly error: unknown) {
    super('chunk to be retried');
  }
}

const nextOffset = (offset: string) => (BigInt(offset) + 1n).toString();

/**
 * The work on one partition's batch: chunks of messages, each handled, produced and committed in one
 * transaction on the partition's own producer, so commits stay in offset order.
 */
export function partitionLoop(context: PartitionLoopContext): (payload: EachBatchPayload) => Promise<void> {
  const { log, failed, producers } = context;

  function outputFor(
    buffer: ProduceBuffer,
    message: StageMessage,
    heartbeat: () => Promise<void>,
    deadLettered: string[],
  ): TransactionOutput {
    return {
      heartbeat,
      async send(topic, messages) {
        if (messages.length > 0) await buffer.add(topic, messages);
      },
      async deadLetter(reason) {
        const letter = buildDeadLetter(context.stage, message, reason);
        log.warn(
          { partition: message.partition, offset: message.offset, reasonClass: reason.reasonClass },
          `dead-lettered: ${reason.reasonMessage}`,
        );
        await buffer.add(context.deadLetterTopic, [deadLetterMessage(letter)]);
        deadLettered.push(reason.reasonClass);
      },
    };
  }

  async function handleInOrder(
    buffer: ProduceBuffer,
    messages: StageMessage[],
    heartbeat: () => Promise<void>,
    deadLettered: string[],
  ): Promise<void> {
    for (const message of messages) {
      const output = outputFor(buffer, message, heartbeat, deadLettered);
      const deadLetter = failed.deadLetterFor(message);
      if (deadLetter) {
        await output.deadLetter(deadLetter);
      } else {
        try {
          await context.handle(message, output);
        } catch (error) {
          if (error instanceof KafkaStepError) throw error;
          throw new HandlerThrew(message, error);
        }
      }
      await heartbeat();
    }
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
      throw new KafkaStepError(`committing offset ${offset} failed: ${error.message}`, { cause: error });
    });
  }

  /** One transaction over the chunk: every message handled (or dead-lettered), produced, offset committed. */
  async function transactChunk(
    partition: number,
    messages: StageMessage[],
    heartbeat: () => Promise<void>,
    isStale: () => boolean,
  ): Promise<void> {
    const producer = await producers.get(partition);
    const transaction = await producer.transaction();
    const deadLettered: string[] = [];
    try {
      const buffer = new ProduceBuffer(transaction, context.bufferLimits);
      await handleInOrder(buffer, messages, heartbeat, deadLettered);
      await buffer.flush();
      await sendOffsets(transaction, partition, nextOffset(messages[messages.length - 1]!.offset));
      await transaction.commit();
    } catch (thrown) {
      await transaction.abort().catch(() => undefined);
      const handlerThrew = thrown instanceof HandlerThrew ? thrown : null;
      const error = handlerThrew ? handlerThrew.error : thrown;
      const handlerFailures = handlerThrew ? failed.failures(handlerThrew.failed) + 1 : null;
      const verdict = classifyChunkFailure({
        error,
        handlerFailures,
        stale: isStale(),
        maxHandlerAttempts: context.maxHandlerAttempts,
      });
      if (handlerThrew && handlerFailures !== null)
        failed.record(handlerThrew.failed, handlerFailures, verdict.deadLetter);
      if (verdict.next === 'rejoin') {
        await producers.drop(partition);
        throw error;
      }
      throw new ChunkRetry(error);
    }
    failed.forget(messages);
    for (const reasonClass of deadLettered) context.onDeadLettered(reasonClass);
    context.onCommitted?.(partition, messages.length);
  }

  /** Commits one chunk, handling it again after a backoff until each message is produced or dead-lettered. */
  async function commitChunk(
    partition: number,
    messages: StageMessage[],
    heartbeat: () => Promise<void>,
    isStale: () => boolean,
  ): Promise<void> {
    let lastError: unknown;
    await retry(
      async (attempt) => {
        if (attempt > 1 && isStale()) throw lastError;
        try {
          await transactChunk(partition, messages, heartbeat, isStale);
        } catch (error) {
          if (error instanceof ChunkRetry) lastError = error.error;
          throw error;
        }
      },
      {
        policy: context.retryPolicy,
        isRetriable: (error) => error instanceof ChunkRetry,
        onRetry: ({ attempt, delayMs }) =>
          log.warn(
            { partition, err: lastError, attempt, delayMs },
            'handler failed; transaction aborted, retrying',
          ),
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
