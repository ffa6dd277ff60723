import { eventLimits } from './limits.js';

// Letters and digits of any script, plus the punctuation Datadog keeps; everything else becomes '_'.
const disallowedRun = /[^\p{L}\p{N}_:./-]+/gu;
const underscoreRun = /_{2,}/g;
const beforeFirstLetter = /^[^\p{L}]+/u;
const trailingUnderscores = /_+$/;

// Tag texts repeat record after record (accounts, regions, event names, principals), and each tag is
// normalized twice (as built, then in the list): remembering recent results makes most calls a lookup.
const normalizedTags = new Map<string, string | null>();
const rememberedTagsAtMost = 20_000;

/**
 * Applies Datadog's tag rules: lowercase; only letters, digits, `_`, `-`, `:`, `.` and `/`, others
 * become `_` (runs collapsed, none trailing); starts with a letter; at most 200 characters.
 * Returns null when nothing usable is left, so callers drop the tag instead of sending a bad one.
 */
export function normalizeTag(raw: string): string | null {
  const known = normalizedTags.get(raw);
  if (known !== undefined) return known;
  const cleaned = raw
    .toLowerCase()
    .replace(disallowedRun, '_')
    .replace(underscoreRun, '_')
    .replace(beforeFirstLetter, '');
  // Cut by code point so a surrogate pair is never split (no cut needed when even the UTF-16 length fits).
  const limited =
    cleaned.length <= eventLimits.tagChars
      ? cleaned
      : Array.from(cleaned).slice(0, eventLimits.tagChars).join('');
  const tag = limited.replace(trailingUnderscores, '') || null;
  if (normalizedTags.size >= rememberedTagsAtMost) normalizedTags.clear();
  normalizedTags.set(raw, tag);
  return tag;
}

/** `key:value`, normalized; null when the value is missing or normalizes to nothing. */
export function keyValueTag(key: string, value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null;
  return normalizeTag(`${key}:${value}`);
}

/**
 * Normalizes, drops what is unusable, removes duplicates (first wins) and keeps at most the number
 * of tags Datadog accepts on one event.
 */
export function normalizeTags(raw: Iterable<string | null>): string[] {
  const tags = new Set<string>();
  for (const candidate of raw) {
    if (tags.size === eventLimits.tagsPerEvent) break;
    const tag = candidate === null ? null : normalizeTag(candidate);
    if (tag !== null) tags.add(tag);
  }
  return [...tags];
}
