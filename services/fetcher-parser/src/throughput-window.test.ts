import { describe, expect, it } from 'vitest';
import { bareEtag } from './object-handler.js';
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

describe('bareEtag', () => {
  it('compares ETags from responses (quoted) and notifications (bare) alike', () => {
    expect(bareEtag('"abc"')).toBe('abc');
    expect(bareEtag('abc')).toBe('abc');
    expect(bareEtag('"abc-3"')).toBe('abc-3');
    expect(bareEtag(null)).toBe('');
  });
});
