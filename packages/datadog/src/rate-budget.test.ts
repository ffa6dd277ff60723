import { describe, expect, it } from 'vitest';
import { RateBudget } from './rate-budget.js';

describe('RateBudget', () => {
  it('lets a burst through, then spaces callers at the sustained rate', () => {
    let now = 0;
    const budget = new RateBudget({ perSecond: 10, burst: 3 }, () => now);
    expect([budget.reserve(1), budget.reserve(1), budget.reserve(1)]).toEqual([0, 0, 0]);
    expect(budget.reserve(1)).toBe(100);
    expect(budget.reserve(1)).toBe(200);
    now = 1000;
    // A second repays the two owed and refills the bucket up to its burst.
    expect([budget.reserve(1), budget.reserve(1), budget.reserve(1)]).toEqual([0, 0, 0]);
    expect(budget.reserve(1)).toBe(100);
  });

  it('refills no more than the burst after a quiet spell', () => {
    let now = 0;
    const budget = new RateBudget({ perSecond: 100, burst: 5 }, () => now);
    now = 60_000;
    expect(budget.reserve(5)).toBe(0);
    expect(budget.reserve(1)).toBe(10);
  });

  it('refuses a budget that could never pass anything', () => {
    expect(() => new RateBudget({ perSecond: 0, burst: 1 })).toThrow(/positive/);
    expect(() => new RateBudget({ perSecond: 1, burst: 0 })).toThrow(/at least 1/);
  });
});
