// Characters that start Markdown syntax in the middle of a line (line-start syntax cannot occur there).
const markdownSyntax = /[\\`*_[\]|<>~]/g;

/** Plain text for the middle of a line: newlines folded, Markdown syntax escaped. */
export function escapeMarkdown(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ').replace(markdownSyntax, '\\$&');
}

function longestBacktickRun(text: string): number {
  let longest = 0;
  for (const run of text.match(/`+/g) ?? []) longest = Math.max(longest, run.length);
  return longest;
}

/** Inline code that stays inline code whatever backticks the value holds. */
export function inlineCode(text: string): string {
  const value = text.replace(/[\r\n]+/g, ' ');
  const fence = '`'.repeat(longestBacktickRun(value) + 1);
  const pad = value.startsWith('`') || value.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${value}${pad}${fence}`;
}

/** Cuts to at most `max` UTF-16 units without splitting a surrogate pair, marking the cut with '…'. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/**
 * A fenced code block that fits in `budget` characters, or null when not even a cut one fits.
 * The fence is longer than any backtick run inside, so the content can never close it early.
 */
export function fencedBlock(content: string, language: string, budget: number): string | null {
  const fence = '`'.repeat(Math.max(3, longestBacktickRun(content) + 1));
  const overhead = fence.length * 2 + language.length + 2;
  const room = budget - overhead;
  if (room < 20) return null;
  return `${fence}${language}\n${clip(content, room)}\n${fence}`;
}
