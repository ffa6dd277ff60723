import type { MessageHeaders } from '@trailstream/schemas';
import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import type { FailureReason } from './dead-letter.js';

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
