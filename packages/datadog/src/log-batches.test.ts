import { describe, expect, it } from 'vitest';
import { planLogBatches } from './log-batches.js';

const sizes = (batches: unknown[][]) => batches.map((batch) => batch.length);
const bytesOf = (entry: unknown) => Buffer.byteLength(JSON.stringify(entry));

describe('planLogBatches', () => {
  it('cuts at the entry limit', () => {
    const items = Array.from({ length: 2500 }, () => 10);
    expect(sizes(planLogBatches(items, (size) => size))).toEqual([1000, 1000, 500]);
  });

  it('keeps the JSON of each batch within the byte limit, brackets and commas included', () => {
    const entries = Array.from({ length: 7 }, (_, index) => ({ message: `entry-${index}` }));
    const exactlyTwo = Buffer.byteLength(JSON.stringify(entries.slice(0, 2)));
    const batches = planLogBatches(entries, bytesOf, { maxEntries: 1000, maxBytes: exactlyTwo });
    expect(sizes(batches)).toEqual([2, 2, 2, 1]);
    for (const batch of batches)
      expect(Buffer.byteLength(JSON.stringify(batch))).toBeLessThanOrEqual(exactlyTwo);
    const oneByteShort = planLogBatches(entries, bytesOf, { maxEntries: 1000, maxBytes: exactlyTwo - 1 });
    expect(sizes(oneByteShort)).toEqual([1, 1, 1, 1, 1, 1, 1]);
  });

  it('puts an oversized entry in a batch of its own, keeping order', () => {
    const limits = { maxEntries: 1000, maxBytes: 100 };
    expect(planLogBatches([10, 500, 10, 10], (size) => size, limits)).toEqual([[10], [500], [10, 10]]);
  });

  it('gives no batch for no entries', () => {
    expect(planLogBatches([], () => 1)).toEqual([]);
  });
});
