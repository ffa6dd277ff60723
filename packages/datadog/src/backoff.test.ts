import { describe, expect, it } from 'vitest';
import { retryDelayMs } from './backoff.js';

const policy = { initialMs: 100, maxMs: 10_000, factor: 2 };

describe('retryDelayMs', () => {
  it('grows its range exponentially with each attempt', () => {
    expect(retryDelayMs(1, null, policy, () => 0.999)).toBe(99);
    expect(retryDelayMs(4, null, policy, () => 0.999)).toBe(799);
    expect(retryDelayMs(4, null, policy, () => 0)).toBe(0);
  });

  it('never waits longer than the cap', () => {
    expect(retryDelayMs(40, null, policy, () => 0.999)).toBeLessThanOrEqual(policy.maxMs);
    expect(retryDelayMs(1, 3_600_000, policy, () => 0.5)).toBe(policy.maxMs);
  });

  it('waits what the server asked for, plus jitter below the initial delay', () => {
    expect(retryDelayMs(1, 2000, policy, () => 0)).toBe(2000);
    expect(retryDelayMs(9, 2000, policy, () => 0.5)).toBe(2050);
  });
});
