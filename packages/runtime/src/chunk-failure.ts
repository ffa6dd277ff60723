import type { FailureReason } from './dead-letter.js';

/** An error from Kafka itself (produce, offsets, commit), as opposed to one thrown by the handler. */
export class KafkaStepError extends Error {
  override readonly name = 'KafkaStepError';
  constructor(
    message: string,
    /** The topics the failed request wrote to; empty for offsets and commit. */
    readonly topics: readonly string[] = [],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

/**
 * What a Kafka refusal means for the stage. message: this message can never be accepted (dead-letter
 * its input, move on). cluster: nothing can be written there until an operator acts (pause, alert,
 * wait). fenced: this producer's transaction is void (re-init and retry). other: not a refusal.
 */
export type KafkaRefusalKind = 'message' | 'cluster' | 'fenced' | 'other';

const REFUSAL_KINDS: Readonly<Record<string, KafkaRefusalKind>> = {
  MESSAGE_TOO_LARGE: 'message',
  RECORD_LIST_TOO_LARGE: 'message',
  INVALID_RECORD: 'message',
  CORRUPT_MESSAGE: 'message',
  INVALID_TIMESTAMP: 'message',
  TOPIC_AUTHORIZATION_FAILED: 'cluster',
  CLUSTER_AUTHORIZATION_FAILED: 'cluster',
  TRANSACTIONAL_ID_AUTHORIZATION_FAILED: 'cluster',
  GROUP_AUTHORIZATION_FAILED: 'cluster',
  UNKNOWN_TOPIC_OR_PARTITION: 'cluster',
  POLICY_VIOLATION: 'cluster',
  INVALID_PRODUCER_EPOCH: 'fenced',
  PRODUCER_FENCED: 'fenced',
  INVALID_TXN_STATE: 'fenced',
  INVALID_PRODUCER_ID_MAPPING: 'fenced',
  TRANSACTION_COORDINATOR_FENCED: 'fenced',
};

type Wrapped = { type?: unknown; name?: unknown; cause?: unknown; errors?: unknown };

/** The first answer `pick` gives for an error or anything it wraps (causes, aggregated errors), as kafkajs nests them. */
function findInWrapped<T>(error: unknown, pick: (error: Wrapped) => T | null, depth = 0): T | null {
  if (typeof error !== 'object' || error === null || depth > 8) return null;
  const wrapped = error as Wrapped;
  const found = pick(wrapped);
  if (found !== null) return found;
  if (Array.isArray(wrapped.errors)) {
    for (const inner of wrapped.errors) {
      const innerFound = findInWrapped(inner, pick, depth + 1);
      if (innerFound !== null) return innerFound;
    }
  }
  return findInWrapped(wrapped.cause, pick, depth + 1);
}

/** The Kafka error name (`MESSAGE_TOO_LARGE`) anywhere in an error's causes, as kafkajs wraps them. */
export function kafkaErrorType(error: unknown): string | null {
  return findInWrapped(error, ({ type }) => (typeof type === 'string' && type !== '' ? type : null));
}

/** kafkajs' names for a broker or coordinator it could not reach (not for anything a broker answered). */
const UNREACHABLE = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSGroupCoordinatorNotFound',
]);

/**
 * Whether Kafka could not be reached, anywhere in an error's causes. kafkajs calls some of these not
 * retriable once its own retries are spent (a transaction's coordinator not found while the broker
 * restarts), and a consumer that crashes on one is never restarted: the stage retries them itself.
 */
export function isKafkaUnreachable(error: unknown): boolean {
  return (
    findInWrapped(error, ({ name }) => (typeof name === 'string' && UNREACHABLE.has(name) ? true : null)) ??
    false
  );
}

/** Answers meaning this member is out of its group's current generation and must join it again. */
const REJOIN = new Set(['UNKNOWN_MEMBER_ID', 'ILLEGAL_GENERATION', 'REBALANCE_IN_PROGRESS']);

/**
 * The broker's answer, inside `error`, that this member has to rejoin its group (its session ran out while
 * the broker restarted, say), or null. kafkajs rejoins when `eachBatch` throws such an answer itself, but
 * an offset commit throws it wrapped in a KafkaJSNonRetriableError, on which kafkajs stops the consumer
 * for good: rethrow this instead.
 */
export function groupRejoinCause(error: unknown): Error | null {
  return findInWrapped(error, (inner) => {
    const { type } = inner;
    return typeof type === 'string' && REJOIN.has(type) && inner instanceof Error ? inner : null;
  });
}

export function kafkaRefusalKind(type: string | null): KafkaRefusalKind {
  return (type && REFUSAL_KINDS[type]) || 'other';
}

/**
 * Thrown by a handler that finds, after it produced part of a message's output, that the message can
 * never succeed (a file that turns out corrupt halfway). The runtime aborts the transaction, which
 * takes that output back, and on the retry dead-letters the message with `reason` without calling
 * the handler again.
 */
export class DeadLetterAfterAbort extends Error {
  override readonly name = 'DeadLetterAfterAbort';
  constructor(
    readonly reason: FailureReason,
    options?: ErrorOptions,
  ) {
    super(reason.reasonMessage, options);
  }
}

export interface ChunkFailure {
  error: unknown;
  /** How often the message being handled has now made its handler throw; null when Kafka failed instead. */
  handlerFailures: number | null;
  /** The assignment moved on (a rebalance) while the chunk was in work. */
  stale: boolean;
  maxHandlerAttempts: number;
}

export interface ChunkFailureVerdict {
  /**
   * retry: abort, back off, handle the chunk again here. rejoin: drop the producer and give the error to
   * kafkajs, which alone recovers from what the group or the brokers said, by rejoining and fetching again.
   */
  next: 'retry' | 'rejoin';
  /** The dead letter the failed message gets when it comes round again, instead of its handler; null: the handler runs again. */
  deadLetter: FailureReason | null;
}

/** What to do after a chunk's transaction failed: decided from the error alone, so it is the same everywhere. */
export function classifyChunkFailure(failure: ChunkFailure): ChunkFailureVerdict {
  const { error, handlerFailures } = failure;
  // A kafkajs error can reach us through the handler too (a heartbeat that found the group rebalancing).
  const fromKafka =
    error instanceof KafkaStepError || (error instanceof Error && error.name.startsWith('KafkaJS'));
  const next = fromKafka || !(error instanceof Error) || failure.stale ? 'rejoin' : 'retry';
  if (handlerFailures === null) return { next, deadLetter: null };
  if (error instanceof DeadLetterAfterAbort) return { next, deadLetter: error.reason };
  if (handlerFailures >= failure.maxHandlerAttempts) {
    return {
      next,
      deadLetter: {
        reasonClass: 'handler-failed',
        reasonMessage: `the handler failed ${handlerFailures} times on this message; see the service log for each error`,
        attempts: handlerFailures,
      },
    };
  }
  return { next, deadLetter: null };
}
