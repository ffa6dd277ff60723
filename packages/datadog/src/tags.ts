import { eventLimits } from './limits.js';

// Letters and digits of any script, plus the punctuation Datadog keeps; everything else becomes '_'.
const disallowedRun = /[^\p{L}\p{N}_:./-]+/gu;
const underscoreRun = /_{2,}/g;
const beforeFirstLetter = /^[^\p{L}]+/u;
const trailingUnderscores = /_+$/;

// Tag texts repeat record after record (accounts, regions, event names, principals), and each tag is
// normalized twice (as built, then in the list): remembering recent results makes most calls a lookup.
// Texts come from records, so the memory is bounded in bytes (UTF-16, key and value), not only in
// entries, and a text too long to be a repeating value is never kept.
const normalizedTags = new Map<string, string | null>();
const rememberedTagsAtMost = 20_000;
export const rememberedTagBytesAtMost = 4 * 1024 * 1024;
const rememberedTextCharsAtMost = 1024;
let rememberedBytes = 0;

/** The bytes the remembered tags hold now (for tests and the bound above). */
export function rememberedTagBytes(): number {
  return rememberedBytes;
}

function remember(raw: string, tag: string | null): void {
  if (raw.length > rememberedTextCharsAtMost) return;
  const bytes = 2 * (raw.length + (tag?.length ?? 0));
  if (normalizedTags.size >= rememberedTagsAtMost || rememberedBytes + bytes > rememberedTagBytesAtMost) {
    normalizedTags.clear();
    rememberedBytes = 0;
  }
  normalizedTags.set(raw, tag);
  rememberedBytes += bytes;
}

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
  remember(raw, tag);
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
