import { describe, expect, it } from 'vitest';
import { SettledPrefix } from './settled-prefix.js';

describe('SettledPrefix', () => {
  it('grows only over settled messages without a gap', () => {
    const prefix = new SettledPrefix(5);
    prefix.settle(1);
    prefix.settle(2);
    expect(prefix.length).toBe(0);
    prefix.settle(0);
    expect(prefix.length).toBe(3);
    prefix.settle(4);
    expect(prefix.length).toBe(3);
    expect(prefix.complete).toBe(false);
    prefix.settle(3);
    expect(prefix.length).toBe(5);
    expect(prefix.complete).toBe(true);
  });

  it('is complete at once for no messages', () => {
    expect(new SettledPrefix(0).complete).toBe(true);
  });
});
