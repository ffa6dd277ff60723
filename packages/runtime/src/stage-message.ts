import { type Contract, ContractError, type MessageHeaders } from '@trailstream/schemas';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { DeadLetterSubject, FailureReason } from './dead-letter.js';

/** One input message, as a stage's handler sees it. */
export interface StageMessage {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: MessageHeaders;
}

/** What a handler may do inside the open transaction: produce, or dead-letter the message it holds (or one record of it). */
export interface TransactionOutput {
  send(topic: string, messages: Message[]): Promise<void>;
  /** Without `subject` the letter holds the input message; with it, the one record named there. */
  deadLetter(reason: FailureReason, subject?: DeadLetterSubject): Promise<void>;
  /** Tells the group this consumer is alive: call it every so often while one message takes long (a large file). */
  heartbeat(): Promise<void>;
  /**
   * True once the open transaction holds its bound of records or of time: a handler working through
   * many records should then write its progress and call `commitProgress`.
   */
  transactionFull(): boolean;
  /**
   * Commits the open transaction with the input offset left *at* this message (so it is handled again
   * after a crash) and opens the next one. Whatever the handler sent before, including its progress,
   * is then durable; a handler resumes from that progress when it sees this message again.
   */
  commitProgress(): Promise<void>;
}

export type StageHandler = (message: StageMessage, output: TransactionOutput) => Promise<void>;

export function toStageMessage(topic: string, partition: number, message: KafkaMessage): StageMessage {
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
 * A stage's input decoded by its contract, or why it cannot be (`reasonClass`, for its dead letter): no
 * value, or bytes the contract does not read. Any other error is a bug and passes through.
 */
export function decodeStageMessage<T>(
  message: StageMessage,
  contract: Contract<T>,
  reasonClass: string,
): T | FailureReason {
  if (message.value === null) return { reasonClass, reasonMessage: 'the message has no value', attempts: 1 };
  try {
    return contract.decode(message.value, message.headers);
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    return { reasonClass, reasonMessage: error.message, attempts: 1 };
  }
}
