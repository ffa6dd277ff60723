import { describe, expect, it } from 'vitest';
import { eventLimits } from './limits.js';
import {
  keyValueTag,
  normalizeTag,
  normalizeTags,
  rememberedTagBytes,
  rememberedTagBytesAtMost,
} from './tags.js';

describe('normalizeTag', () => {
  it.each([
    ['Region:EU-West-1', 'region:eu-west-1'],
    ['user:alice smith', 'user:alice_smith'],
    ['user:alice@example.com', 'user:alice_example.com'],
    ['arn:arn:aws:iam::123456789012:user/Alice', 'arn:arn:aws:iam::123456789012:user/alice'],
    ['a  ,, b', 'a_b'],
    ['name:value!!', 'name:value'],
    ['123abc', 'abc'],
    ['_:leading', 'leading'],
    ['ÉVÉNEMENT:Été', 'événement:été'],
    ['ユーザー:太郎', 'ユーザー:太郎'],
  ])('%s -> %s', (raw, expected) => {
    expect(normalizeTag(raw)).toBe(expected);
  });

  it('returns null when nothing usable is left', () => {
    expect(normalizeTag('1234')).toBeNull();
    expect(normalizeTag('!!!')).toBeNull();
    expect(normalizeTag('')).toBeNull();
  });

  it('cuts at 200 characters without splitting a surrogate pair, then drops trailing underscores', () => {
    expect(normalizeTag(`k:${'v'.repeat(300)}`)).toHaveLength(eventLimits.tagChars);
    const emoji = normalizeTag(`k:${'😀'.repeat(300)}`);
    expect(emoji).toBe('k:');
    const cjk = normalizeTag(`k:${'𠀀'.repeat(300)}`)!;
    expect(Array.from(cjk)).toHaveLength(eventLimits.tagChars);
    expect(cjk).not.toMatch(/\p{Surrogate}/u);
    expect(normalizeTag(`k:${'a'.repeat(197)} b`)).toBe(`k:${'a'.repeat(197)}`);
  });
});

describe('keyValueTag', () => {
  it('skips missing values', () => {
    expect(keyValueTag('error_code', null)).toBeNull();
    expect(keyValueTag('error_code', undefined)).toBeNull();
    expect(keyValueTag('error_code', '')).toBeNull();
    expect(keyValueTag('error_code', 'AccessDenied')).toBe('error_code:accessdenied');
  });
});

describe('normalizeTags', () => {
  it('drops unusable and duplicate tags and keeps at most 100', () => {
    expect(normalizeTags(['A:b', 'a:B', null, '!!', 'c'])).toEqual(['a:b', 'c']);
    const many = Array.from({ length: 150 }, (_, i) => `t:${i}`);
    expect(normalizeTags(many)).toHaveLength(eventLimits.tagsPerEvent);
  });
});

describe('the normalization cache', () => {
  it('stays within its byte budget whatever the records carry', () => {
    // 1,000 distinct 4 KB values and 20,000 distinct 1 KB ones: 44 MB of text if all were kept.
    for (let index = 0; index < 1_000; index++) normalizeTag(`user:${index}${'x'.repeat(4_096)}`);
    expect(rememberedTagBytes()).toBeLessThanOrEqual(rememberedTagBytesAtMost);
    for (let index = 0; index < 20_000; index++) {
      normalizeTag(`user:${index}${'é'.repeat(1_000)}`);
      expect(rememberedTagBytes()).toBeLessThanOrEqual(rememberedTagBytesAtMost);
    }
    expect(rememberedTagBytes()).toBeGreaterThan(0);
    expect(normalizeTag(`User:${'X'.repeat(4_096)}`)).toBe(`user:${'x'.repeat(195)}`);
  });
});
