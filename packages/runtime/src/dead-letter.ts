import {
  type DeadLetter,
  type DeadLetterHeader,
  deadLetterContract,
  type MessageHeaders,
  type Stage,
} from '@trailstream/schemas';
import type { Message, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import { deadLetterCounter } from './stage-metrics.js';

/** The message a stage could not handle, as it was read (or, for discovery, as it arrived from SQS). */
export interface FailedMessage {
  topic: string | null;
  partition: number | null;
  offset: string | null;
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: MessageHeaders;
}

export interface FailureReason {
  /** Short and stable, for metrics and triage: `truncated-gzip`, `unknown-notification`, `http-400`. */
  reasonClass: string;
  reasonMessage: string;
  attempts: number;
}

export const DEAD_LETTER_REASON_HEADER = 'trailstream-reason';

function flattenHeaders(headers: MessageHeaders | undefined): DeadLetterHeader[] {
  return Object.entries(headers ?? {}).flatMap(([key, raw]) =>
    (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map((value) => ({
      key,
      value: Buffer.isBuffer(value) ? value : Buffer.from(value),
    })),
  );
}

const asBuffer = (value: Buffer | string | null) =>
  value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value);

export function buildDeadLetter(
  stage: Stage,
  failed: FailedMessage,
  reason: FailureReason,
  now = Date.now(),
): DeadLetter {
  return {
    stage,
    reasonClass: reason.reasonClass,
    reasonMessage: reason.reasonMessage,
    attempts: reason.attempts,
    failedAt: now,
    originalKey: asBuffer(failed.key),
    originalValue: asBuffer(failed.value),
    originalHeaders: flattenHeaders(failed.headers),
    originalTopic: failed.topic,
    originalPartition: failed.partition,
    originalOffset: failed.offset,
  };
}

/** The Kafka message for a dead letter: keyed like the original, reason class in a header for quick triage. */
export function deadLetterMessage(letter: DeadLetter): Message {
  const encoded = deadLetterContract.encode(letter);
  return {
    key: letter.originalKey,
    value: encoded.value,
    headers: { ...encoded.headers, [DEAD_LETTER_REASON_HEADER]: letter.reasonClass },
  };
}

/**
 * Sends dead letters outside any transaction, for the at-least-once stages; resolves once Kafka acked,
 * and counts each in `trailstream_dead_letters_total`.
 */
export class DeadLetterPublisher {
  private readonly counted: (reasonClass: string) => void;

  constructor(
    private readonly producer: Producer,
    private readonly topic: string,
    private readonly stage: Stage,
    registry: Registry,
  ) {
    this.counted = deadLetterCounter(registry, stage);
  }

  async publish(failed: FailedMessage, reason: FailureReason): Promise<DeadLetter> {
    const letter = buildDeadLetter(this.stage, failed, reason);
    await this.producer.send({ topic: this.topic, acks: -1, messages: [deadLetterMessage(letter)] });
    this.counted(reason.reasonClass);
    return letter;
  }
}
