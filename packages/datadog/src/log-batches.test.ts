import { describe, expect, it } from 'vitest';
import { jsonArrayBytes, planLogBatches } from './log-batches.js';

const sizes = (batches: number[][]) => batches.map((batch) => batch.length);

describe('planLogBatches', () => {
  it('cuts at the entry limit', () => {
    const items = Array.from({ length: 2500 }, () => 10);
    expect(sizes(planLogBatches(items, (size) => size))).toEqual([1000, 1000, 500]);
  });

  it('keeps each batch within the byte limit, counting brackets and commas', () => {
    const limits = { maxEntries: 1000, maxBytes: 2 + 10 + 1 + 10 };
    const batches = planLogBatches([10, 10, 10, 10, 10], (size) => size, limits);
    expect(sizes(batches)).toEqual([2, 2, 1]);
    for (const batch of batches) expect(jsonArrayBytes(batch)).toBeLessThanOrEqual(limits.maxBytes);
  });

  it('puts an oversized entry in a batch of its own, keeping order', () => {
    const limits = { maxEntries: 1000, maxBytes: 100 };
    expect(planLogBatches([10, 500, 10, 10], (size) => size, limits)).toEqual([[10], [500], [10, 10]]);
  });

  it('gives no batch for no entries', () => {
    expect(planLogBatches([], () => 1)).toEqual([]);
  });

  it('measures a JSON array exactly', () => {
    const entries = [{ a: 1 }, { b: 'x' }, {}];
    const bytes = entries.map((entry) => Buffer.byteLength(JSON.stringify(entry)));
    expect(jsonArrayBytes(bytes)).toBe(Buffer.byteLength(JSON.stringify(entries)));
    expect(jsonArrayBytes([])).toBe(2);
  });
});
