import { describe, expect, it } from 'vitest';
import { bareEtag } from './object-handler.js';
import { RecordBatch } from './record-batch.js';
import { ThroughputWindow } from './throughput-window.js';

const message = (key: string) => ({ key, value: Buffer.from(key) });

describe('RecordBatch', () => {
  it('hands back a batch before it would grow past the byte limit', () => {
    const batch = new RecordBatch(10);
    expect(batch.add(message('a'), 4)).toBeNull();
    expect(batch.add(message('b'), 6)).toBeNull();
    expect(batch.add(message('c'), 1)).toEqual([message('a'), message('b')]);
    expect(batch.drain()).toEqual([message('c')]);
    expect(batch.drain()).toEqual([]);
  });

  it('lets a single message over the limit travel alone', () => {
    const batch = new RecordBatch(10);
    expect(batch.add(message('big'), 50)).toBeNull();
    expect(batch.add(message('next'), 1)).toEqual([message('big')]);
  });
});

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
