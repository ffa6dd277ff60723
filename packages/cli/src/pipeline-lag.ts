import { partitionEnds, readCommittedRanges } from '@trailstream/runtime';
import type { Kafka } from 'kafkajs';

/** A committed offset this close to the end may be followed by transaction markers only: look. */
const MARKERS_AT_MOST = 16;

/**
 * Messages a consumer group has not committed yet on a topic. The last stable offset of a topic written
 * in transactions sits past its commit markers, which no consumer ever gets; so a short distance is read
 * (read committed) and only its data messages count. A longer one counts as it is: at least that many.
 */
export async function groupLag(kafka: Kafka, groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] }).finally(() => admin.disconnect());
  const committedBy = new Map(
    (committed[0]?.partitions ?? []).map(({ partition, offset }) => [partition, BigInt(offset)]),
  );
  let lag = 0;
  const close: { partition: number; from: bigint; to: bigint }[] = [];
  for (const { partition, low, end } of await partitionEnds(kafka, topic)) {
    const at = committedBy.get(partition) ?? -1n;
    const from = at < low ? low : at;
    if (end <= from) continue;
    if (end - from <= BigInt(MARKERS_AT_MOST)) close.push({ partition, from, to: end });
    else lag += Number(end - from);
  }
  await readCommittedRanges(kafka, topic, close, () => lag++, {
    groupPrefix: 'trailstream-cli-audit-lag',
  });
  return lag;
}
