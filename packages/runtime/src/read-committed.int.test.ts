import { createTestTopics, testKafka, uniqueName } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { partitionEnds, readCommittedRanges } from './read-committed.js';

const kafka = testKafka();

async function transaction(topic: string, partition: number, values: string[], commit: boolean) {
  const producer = kafka.producer({
    transactionalId: uniqueName('read-tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await producer.connect();
  const tx = await producer.transaction();
  await tx.send({ topic, messages: values.map((value) => ({ value, partition })) });
  await (commit ? tx.commit() : tx.abort());
  await producer.disconnect();
}

async function read(topic: string, ranges: Parameters<typeof readCommittedRanges>[2]) {
  const seen: string[] = [];
  await readCommittedRanges(kafka, topic, ranges, (partition, m) => seen.push(`${partition}:${m.value}`), {
    groupPrefix: 'read-committed-test',
    idleTimeoutMs: 10_000,
  });
  return seen;
}

describe('readCommittedRanges', () => {
  it('reads to the end whether the last offsets are commit or abort markers, and skips aborted records', async () => {
    const { topic } = await createTestTopics(kafka, { topic: { partitions: 3 } });
    const plain = kafka.producer();
    await plain.connect();
    await plain.send({ topic, messages: [{ value: 'p0-plain', partition: 0 }] });
    await plain.disconnect();
    await transaction(topic, 0, ['p0-committed'], true);
    await transaction(topic, 1, ['p1-committed-a', 'p1-committed-b'], true);
    await transaction(topic, 1, ['p1-aborted'], false);

    const ends = (await partitionEnds(kafka, topic)).sort((a, b) => a.partition - b.partition);
    // Partition 0 ends with a commit marker, 1 with an abort marker, 2 is empty.
    expect(ends.map(({ partition, low, end }) => [partition, low, end])).toEqual([
      [0, 0n, 3n],
      [1, 0n, 5n],
      [2, 0n, 0n],
    ]);
    const all = await read(
      topic,
      ends.map(({ partition, low, end }) => ({ partition, from: low, to: end })),
    );
    expect(all.sort()).toEqual(['0:p0-committed', '0:p0-plain', '1:p1-committed-a', '1:p1-committed-b']);

    // A range in the middle, and a partition left out entirely.
    expect(await read(topic, [{ partition: 1, from: 1n, to: 5n }])).toEqual(['1:p1-committed-b']);
    // A range of markers and aborted records only: nothing to hand over, and still it ends.
    expect(await read(topic, [{ partition: 1, from: 2n, to: 5n }])).toEqual([]);
    expect(await read(topic, [])).toEqual([]);
  });

  it('fails naming the partition when the range cannot be reached, instead of waiting for ever', async () => {
    const { topic } = await createTestTopics(kafka, { topic: {} });
    await expect(
      readCommittedRanges(kafka, topic, [{ partition: 0, from: 0n, to: 5n }], () => undefined, {
        groupPrefix: 'read-committed-test',
        idleTimeoutMs: 3_000,
      }),
    ).rejects.toThrow(/made no progress for 3000 ms; still to read: partition 0 from 0 to 5/);
  });
});
