import { describe, expect, it } from 'vitest';
import { percentile, stageRate, summarizeDelays } from './bench-figures.js';

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(values, 50)).toBe(50);
    expect(percentile(values, 99)).toBe(99);
    expect(percentile(values, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNull();
  });
});

describe('summarizeDelays', () => {
  it('sorts before ranking', () => {
    expect(summarizeDelays([30, 10, 20])).toEqual({ count: 3, p50Ms: 20, p99Ms: 30, maxMs: 30 });
    expect(summarizeDelays([])).toEqual({ count: 0, p50Ms: null, p99Ms: null, maxMs: null });
  });
});

describe('stageRate', () => {
  it('counts only the time between the sample before the first progress and the first with the final count', () => {
    const samples = [
      { atMs: 0, count: 0 },
      { atMs: 1000, count: 0 },
      { atMs: 2000, count: 100 },
      { atMs: 3000, count: 300 },
      { atMs: 4000, count: 400 },
      { atMs: 5000, count: 400 },
    ];
    expect(stageRate(samples)).toEqual({ count: 400, busySeconds: 3, perSecond: 133 });
  });

  it('ends where the count stopped growing', () => {
    const samples = [
      { atMs: 0, count: 0 },
      { atMs: 2000, count: 50 },
      { atMs: 4000, count: 150 },
      { atMs: 6000, count: 150 },
    ];
    expect(stageRate(samples)).toEqual({ count: 150, busySeconds: 4, perSecond: 38 });
  });

  it('has no rate for a stage that did nothing', () => {
    expect(stageRate([{ atMs: 0, count: 0 }])).toEqual({ count: 0, busySeconds: null, perSecond: null });
  });
});
