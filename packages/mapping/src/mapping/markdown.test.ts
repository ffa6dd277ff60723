import { describe, expect, it } from 'vitest';
import { clip, escapeMarkdown, fencedBlock, inlineCode } from './markdown.js';

describe('markdown helpers', () => {
  it('escapes inline syntax and folds newlines', () => {
    expect(escapeMarkdown('a *b* _c_ [d](e) `f` <g> | h\nnext')).toBe(
      'a \\*b\\* \\_c\\_ \\[d\\](e) \\`f\\` \\<g\\> \\| h next',
    );
  });

  it('keeps inline code closed whatever backticks it holds', () => {
    expect(inlineCode('plain')).toBe('`plain`');
    expect(inlineCode('a`b')).toBe('``a`b``');
    expect(inlineCode('`edge`')).toBe('`` `edge` ``');
  });

  it('clips without splitting a surrogate pair', () => {
    expect(clip('abcdef', 10)).toBe('abcdef');
    expect(clip('abcdef', 4)).toBe('abc…');
    expect(clip('ab😀cd', 4)).toBe('ab…');
  });

  it('fits a fenced block into its budget or gives none', () => {
    const block = fencedBlock('x'.repeat(1000), 'json', 100)!;
    expect(block.length).toBeLessThanOrEqual(100);
    expect(block.startsWith('```json\n')).toBe(true);
    expect(block.endsWith('…\n```')).toBe(true);
    expect(fencedBlock('x'.repeat(1000), 'json', 25)).toBeNull();
    expect(fencedBlock('has ``` inside', 'json', 100)).toBe('````json\nhas ``` inside\n````');
  });
});
