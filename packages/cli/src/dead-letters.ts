import { type DeadLetter, deadLetterContract } from '@trailstream/schemas';
import type { Kafka } from 'kafkajs';

export interface StoredDeadLetter {
  /** `partition:offset` in the dead-letter topic: how a person points at one letter. */
  position: string;
  letter: DeadLetter;
}

/** Reads every dead letter present now (up to the current end of each partition), oldest first. */
export async function readDeadLetters(kafka: Kafka, topic: string): Promise<StoredDeadLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const remaining = new Map(
    ends.filter((p) => BigInt(p.high) > BigInt(p.low)).map((p) => [p.partition, BigInt(p.high) - 1n]),
  );
  const letters: StoredDeadLetter[] = [];
  if (remaining.size === 0) return letters;

  const consumer = kafka.consumer({
    groupId: `trailstream-cli-dlq-${process.pid}-${Date.now()}`,
    maxWaitTimeInMs: 200,
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatch: async ({ batch }) => {
            const last = remaining.get(batch.partition);
            for (const message of batch.messages) {
              if (last === undefined || BigInt(message.offset) > last) break;
              letters.push({
                position: `${batch.partition}:${message.offset}`,
                letter: deadLetterContract.decode(message.value!, message.headers),
              });
              if (BigInt(message.offset) === last) remaining.delete(batch.partition);
            }
            if (remaining.size === 0) resolve();
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return letters.sort((a, b) => a.letter.failedAt - b.letter.failedAt);
}

export function describeDeadLetter({ position, letter }: StoredDeadLetter): string {
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

/** A dead letter as JSON, payload bytes as UTF-8 when they are text, else base64. */
export function deadLetterJson({ position, letter }: StoredDeadLetter): Record<string, unknown> {
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
