import { logLimits } from './limits.js';

export interface BatchLimits {
  maxEntries: number;
  maxBytes: number;
}

export const logBatchLimits: BatchLimits = {
  maxEntries: logLimits.entriesPerBatch,
  maxBytes: logLimits.uncompressedBatchBytes,
};

/**
 * Groups items, in order, into batches the logs intake accepts: at most `maxEntries` each and at most
 * `maxBytes` of uncompressed JSON (the entries, a comma between them, and the brackets). An item too large on its own gets a batch of its own, so the intake's
 * 413 names it alone.
 */
export function planLogBatches<T>(
  items: readonly T[],
  bytesOf: (item: T) => number,
  limits: BatchLimits = logBatchLimits,
): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let currentBytes = 2;
  for (const item of items) {
    const size = bytesOf(item);
    const added = current.length === 0 ? size : size + 1;
    if (
      current.length > 0 &&
      (current.length >= limits.maxEntries || currentBytes + added > limits.maxBytes)
    ) {
      batches.push(current);
      current = [];
      currentBytes = 2;
    }
    currentBytes += current.length === 0 ? size : size + 1;
    current.push(item);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
