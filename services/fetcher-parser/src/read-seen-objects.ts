import { type Logger, partitionEnds, readCommittedRanges } from '@trailstream/runtime';
import type { Kafka } from 'kafkajs';
import type { SeenObject } from './seen-objects.js';
import { parseSeenObject } from './seen-objects-changelog.js';

/**
 * Reads the given partitions of the changelog from the start up to their last stable offset, read
 * committed: what committed transactions recorded. A transaction left open by a crashed process is
 * not waited for; it is aborted when this process's producer for that partition starts.
 */
export async function readSeenObjects(
  kafka: Kafka,
  topic: string,
  partitions: readonly number[],
  logger: Logger,
  idleTimeoutMs = 120_000,
): Promise<Map<number, SeenObject[]>> {
  const entries = new Map<number, SeenObject[]>(partitions.map((p) => [p, []]));
  const ranges = (await partitionEnds(kafka, topic))
    .filter(({ partition }) => entries.has(partition))
    .map(({ partition, low, end }) => ({ partition, from: low, to: end }));
  let skipped = 0;
  await readCommittedRanges(
    kafka,
    topic,
    ranges,
    (partition, message) => {
      const entry = parseSeenObject(message.key, message.value);
      if (entry) entries.get(partition)?.push(entry);
      else skipped++;
    },
    { groupPrefix: 'trailstream-fetcher-parser-restore', idleTimeoutMs },
  );
  if (skipped > 0)
    logger.warn({ topic, skipped }, 'changelog entries that are not seen-object records were ignored');
  return entries;
}
