import { describe, expect, it } from 'vitest';
import { ThroughputWindow } from './throughput-window.js';

describe('ThroughputWindow', () => {
  it('averages counts over the window and forgets older ones', () => {
    const window = new ThroughputWindow(10_000);
    window.add(100, 0);
    window.add(50, 5_000);
    expect(window.perSecond(9_999)).toBe(15);
    expect(window.perSecond(10_000)).toBe(5);
    expect(window.perSecond(20_000)).toBe(0);
  });
});
