import type { Message } from 'kafkajs';
import { z } from 'zod';
import type { SeenObject } from './seen-objects.js';

const changelogValue = z.object({
  etag: z.string(),
  processedAt: z.number().int().nonnegative(),
  resume: z
    .object({ offset: z.string().regex(/^\d+$/), nextRecord: z.number().int().nonnegative() })
    .optional(),
});

/**
 * The changelog entry for a processed object, keyed by `s3://bucket/key` so compaction keeps one per
 * object, and written to the input message's partition number so each input partition owns its state.
 */
export function seenObjectMessage(seen: SeenObject, partition: number): Message {
  return {
    key: seen.objectKey,
    value: JSON.stringify({
      etag: seen.etag,
      processedAt: seen.processedAt,
      ...(seen.resume ? { resume: seen.resume } : {}),
    }),
    partition,
  };
}

/** Reads a changelog entry back; anything else (a tombstone, a foreign value) gives null. */
export function parseSeenObject(key: Buffer | null, value: Buffer | null): SeenObject | null {
  if (key === null || value === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch {
    return null;
  }
  const result = changelogValue.safeParse(parsed);
  if (!result.success) return null;
  const { resume, ...entry } = result.data;
  return { objectKey: key.toString(), ...entry, ...(resume ? { resume } : {}) };
}
