import { createHash } from 'node:crypto';
import {
  type DeadLetter,
  type DeadLetterHeader,
  type DeadLetterRecordOrigin,
  deadLetterContract,
  type MessageHeaders,
  type Stage,
} from '@trailstream/schemas';
import type { Message, Producer } from 'kafkajs';
import type { Registry } from 'prom-client';
import { recordBytes } from './produce-buffer.js';
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

/**
 * What a dead letter is about when it is one record of the input rather than the input itself: the
 * record's bytes (only the first ones when the record was too large to hold), and where it was read.
 */
export interface DeadLetterSubject {
  value: Buffer;
  record: DeadLetterRecordOrigin;
  /** The whole record's length and SHA-256 when `value` is only its start. */
  wholeValue?: { bytes: number; sha256: string };
}

export interface DeadLetterOptions {
  now?: number;
  subject?: DeadLetterSubject;
  /** The most of the original value kept; a longer one is cut, its length and SHA-256 kept instead. */
  maxValueBytes?: number;
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

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/**
 * The dead letter for a failed message, or for one record of it (`subject`). Its topic, partition and
 * offset always name the input message, so it can be replayed from the source.
 */
export function buildDeadLetter(
  stage: Stage,
  failed: FailedMessage,
  reason: FailureReason,
  options: DeadLetterOptions = {},
): DeadLetter {
  const { subject, maxValueBytes = Number.POSITIVE_INFINITY } = options;
  const value = subject ? subject.value : asBuffer(failed.value);
  let whole = subject?.wholeValue ?? null;
  let kept = value;
  if (value && value.length > maxValueBytes) {
    whole ??= { bytes: value.length, sha256: sha256(value) };
    kept = value.subarray(0, Math.max(0, maxValueBytes));
  }
  return {
    stage,
    reasonClass: reason.reasonClass,
    reasonMessage: reason.reasonMessage,
    attempts: reason.attempts,
    failedAt: options.now ?? Date.now(),
    originalKey: asBuffer(failed.key),
    originalValue: kept,
    originalHeaders: flattenHeaders(failed.headers),
    originalTopic: failed.topic,
    originalPartition: failed.partition,
    originalOffset: failed.offset,
    originalValueBytes: whole?.bytes ?? null,
    originalValueSha256: whole?.sha256 ?? null,
    originalRecord: subject?.record ?? null,
  };
}

/**
 * The dead letter as a message that fits `maxBatchBytes`: the original value is cut by what the
 * encoded letter is over (its length and SHA-256 kept), so the letter is never refused for its size.
 */
export function fittingDeadLetterMessage(
  build: (maxValueBytes?: number) => DeadLetter,
  maxMessageBytes: number,
): { letter: DeadLetter; message: Message } {
  let letter = build();
  let message = deadLetterMessage(letter);
  const over = recordBytes(message) - maxMessageBytes;
  if (over > 0) {
    // The cut value's length and hash add some bytes of their own.
    letter = build((letter.originalValue?.length ?? 0) - over - 128);
    message = deadLetterMessage(letter);
  }
  return { letter, message };
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
