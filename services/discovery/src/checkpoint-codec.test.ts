import { describe, expect, it } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint-codec.js';

describe('checkpoint codec', () => {
  it('reads back what it wrote', () => {
    const checkpoint = { listedUntil: 1_700_000_000_000, newestDelivery: null, recent: ['a.json.gz'] };
    expect(decodeCheckpoint(encodeCheckpoint(checkpoint))).toEqual(checkpoint);
  });

  it.each([
    ['not JSON', 'nope'],
    ['another version', '{"version":2,"listedUntil":1,"newestDelivery":null,"recent":[]}'],
    ['a fractional time', '{"version":1,"listedUntil":1.5,"newestDelivery":null,"recent":[]}'],
    ['a bad recent list', '{"version":1,"listedUntil":1,"newestDelivery":null,"recent":[1]}'],
  ])('refuses %s', (_what, text) => {
    expect(decodeCheckpoint(Buffer.from(text))).toBeNull();
  });
});
