import { describe, expect, it } from 'vitest';
import { bareEtag } from './etag.js';

describe('bareEtag', () => {
  it('compares ETags from responses and listings (quoted) and notifications (bare) alike', () => {
    expect(bareEtag('"abc"')).toBe('abc');
    expect(bareEtag('abc')).toBe('abc');
    expect(bareEtag('"abc-3"')).toBe('abc-3');
    expect(bareEtag(null)).toBe('');
    expect(bareEtag(undefined)).toBe('');
  });
});
