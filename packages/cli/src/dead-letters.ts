import { type OffsetRange, partitionEnds, readCommittedRanges } from '@trailstream/runtime';
import { ContractError, type DeadLetter, deadLetterContract } from '@trailstream/schemas';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { CliError } from './cli-error.js';

interface Stored {
  /** `partition:offset` in the dead-letter topic: how a person points at one entry. */
  position: string;
  partition: number;
  offset: bigint;
  /** When Kafka stored it (epoch ms): orders entries across partitions. */
  storedAt: number;
}

export interface StoredDeadLetter extends Stored {
  letter: DeadLetter;
}

/** A message in the dead-letter topic that does not decode as a dead letter, with why. */
export interface ForeignMessage extends Stored {
  notADeadLetter: string;
}

export type DeadLetterTopicEntry = StoredDeadLetter | ForeignMessage;

export interface ReadDeadLettersOptions {
  /** Only entries this accepts are returned (and counted towards `newest`). */
  keep?: (entry: DeadLetterTopicEntry) => boolean;
  /** Only the newest n accepted entries: read from the end of each partition backwards, a window at a time. */
  newest?: number;
}

export interface DeadLetterTopicContents {
  /** Oldest first. */
  entries: DeadLetterTopicEntry[];
  /** Nothing committed or not is stored in the topic now. */
  topicEmpty: boolean;
}

export const isDeadLetter = (entry: DeadLetterTopicEntry): entry is StoredDeadLetter => 'letter' in entry;

/**
 * Reads the dead-letter topic up to the end offsets it has when the call starts, read committed:
 * letters of aborted transactions are not seen, and the read ends even when the newest offsets are
 * transaction markers.
 */
export async function readDeadLetters(
  kafka: Kafka,
  topic: string,
  { keep = () => true, newest }: ReadDeadLettersOptions = {},
): Promise<DeadLetterTopicContents> {
  const ends = (await partitionEnds(kafka, topic)).filter((p) => p.end > p.low);
  const kept: DeadLetterTopicEntry[] = [];
  const read = async (ranges: OffsetRange[]) => {
    const found: DeadLetterTopicEntry[] = [];
    await readCommittedRanges(
      kafka,
      topic,
      ranges,
      (partition, message) => {
        const entry = decodeEntry(partition, message);
        if (keep(entry)) found.push(entry);
      },
      { groupPrefix: 'trailstream-cli-dlq' },
    ).catch((error: unknown) => {
      throw new CliError(`cannot read ${topic}: ${(error as Error).message}`, 1);
    });
    kept.push(...found);
    return found;
  };

  if (newest === undefined) {
    await read(ends.map(({ partition, low, end }) => ({ partition, from: low, to: end })));
  } else {
    // Transaction markers take offsets too (one per committed letter when each is its own transaction).
    let window = BigInt(newest) * 2n;
    const max = (a: bigint, b: bigint) => (a > b ? a : b);
    let ranges = ends.map(({ partition, low, end }) => ({
      partition,
      low,
      from: max(low, end - window),
      to: end,
    }));
    const counts = new Map<number, number>();
    while (ranges.length > 0) {
      for (const { partition } of await read(ranges)) counts.set(partition, (counts.get(partition) ?? 0) + 1);
      window *= 4n;
      ranges = ranges
        .filter((r) => r.from > r.low && (counts.get(r.partition) ?? 0) < newest)
        .map((r) => ({ ...r, to: r.from, from: max(r.low, r.from - window) }));
    }
  }

  kept.sort((a, b) => a.storedAt - b.storedAt || a.partition - b.partition || Number(a.offset - b.offset));
  return { entries: newest === undefined ? kept : kept.slice(-newest), topicEmpty: ends.length === 0 };
}

function decodeEntry(partition: number, message: KafkaMessage): DeadLetterTopicEntry {
  const stored = {
    position: `${partition}:${message.offset}`,
    partition,
    offset: BigInt(message.offset),
    storedAt: Number(message.timestamp),
  };
  if (message.value === null) return { ...stored, notADeadLetter: 'the message has no value' };
  try {
    return { ...stored, letter: deadLetterContract.decode(message.value, message.headers) };
  } catch (error) {
    if (!(error instanceof ContractError)) throw error;
    return { ...stored, notADeadLetter: error.message };
  }
}

export function describeEntry(entry: DeadLetterTopicEntry): string {
  if (!isDeadLetter(entry)) return `${entry.position.padEnd(8)}  not a dead letter: ${entry.notADeadLetter}`;
  const { position, letter } = entry;
  const origin =
    letter.originalTopic === null
      ? 'from outside Kafka'
      : `from ${letter.originalTopic}/${letter.originalPartition}@${letter.originalOffset}`;
  return [
    position.padEnd(8),
    new Date(letter.failedAt).toISOString(),
    letter.stage.padEnd(14),
    letter.reasonClass.padEnd(22),
    `attempts=${letter.attempts}`,
    origin,
    `key=${letter.originalKey?.toString() ?? '-'}`,
    `— ${letter.reasonMessage}`,
  ].join('  ');
}

/** An entry as JSON, payload bytes as UTF-8 when they are text, else base64. */
export function entryJson(entry: DeadLetterTopicEntry): Record<string, unknown> {
  if (!isDeadLetter(entry)) return { position: entry.position, notADeadLetter: entry.notADeadLetter };
  const { position, letter } = entry;
  const bytes = (b: Buffer | null) =>
    b === null ? null : isText(b) ? b.toString('utf8') : { base64: b.toString('base64') };
  return {
    position,
    ...letter,
    failedAt: new Date(letter.failedAt).toISOString(),
    originalKey: bytes(letter.originalKey),
    originalValue: bytes(letter.originalValue),
    originalHeaders: letter.originalHeaders.map((h) => ({ key: h.key, value: bytes(h.value) })),
  };
}

function isText(buffer: Buffer): boolean {
  return Buffer.from(buffer.toString('utf8'), 'utf8').equals(buffer) && !buffer.includes(0);
}
