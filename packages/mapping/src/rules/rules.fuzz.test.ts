import { readFileSync } from 'node:fs';
import {
  fuzzInputBudgetMs,
  fuzzParameters,
  fuzzTimeoutMs,
  mutateText,
  textMutations,
} from '@trailstream/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultRulesPath } from './default-rules.js';
import { parseRules, RulesError } from './parse-rules.js';
import type { RuleSet } from './rule-set.js';
import { selectRule } from './select-rule.js';

const defaultRules = readFileSync(defaultRulesPath, 'utf8');

/** The rules, or a RulesError naming each problem with a line and column; anything else is a crash. */
function outcomeOf(text: string): RuleSet | RulesError {
  const started = performance.now();
  try {
    return parseRules(text, 'fuzz.yaml');
  } catch (error) {
    if (!(error instanceof RulesError)) throw error;
    expect(error.problems.length).toBeGreaterThan(0);
    for (const problem of error.problems) {
      expect(problem.line).toBeGreaterThanOrEqual(1);
      expect(problem.message.length).toBeGreaterThan(0);
    }
    return error;
  } finally {
    expect(performance.now() - started).toBeLessThan(fuzzInputBudgetMs);
  }
}

const mutations = textMutations(
  fc.constantFrom(
    '*',
    '/',
    '{',
    '[',
    ':',
    '\n',
    '  ',
    '- ',
    '&a',
    '*a',
    '!!',
    '\\',
    '(?=',
    '\\1',
    '__proto__',
    "'",
    '"',
    '\t',
    '\u00e9',
  ),
  { maxLength: 5 },
);

const conditionText = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((text) => JSON.stringify(text)),
  fc
    .string({
      unit: fc.constantFrom(
        'a',
        'b',
        '*',
        '?',
        '[',
        ']',
        '{',
        '}',
        ',',
        '!',
        '(',
        ')',
        '|',
        '+',
        '\\\\',
        '.',
        '^',
        '$',
      ),
      maxLength: 30,
    })
    .map((text) => JSON.stringify(text)),
  fc
    .string({
      unit: fc.constantFrom(
        'a',
        '\\\\w',
        '\\\\s',
        '(',
        ')',
        '*',
        '+',
        '?',
        '|',
        '[',
        ']',
        '{2,}',
        '^',
        '$',
        '(?=',
        '(?<',
        '\\\\1',
        '\\\\u00e9',
      ),
      maxLength: 20,
    })
    .map((text) => JSON.stringify(`/${text}/i`)),
);

describe('fuzzing the rules parser', { timeout: fuzzTimeoutMs }, () => {
  it('mutated default rules parse or are refused with every problem located', () => {
    fc.assert(
      fc.property(mutations, (edits) => {
        outcomeOf(mutateText(defaultRules, edits));
      }),
      fuzzParameters(),
    );
  });

  it('random conditions compile or are refused, and a compiled rule matches a hostile record in bounded time', () => {
    fc.assert(
      fc.property(conditionText, fc.string({ maxLength: 2_000 }), (condition, userAgent) => {
        const parsed = outcomeOf(`include:\n  - name: r\n    match:\n      userAgent: ${condition}\n`);
        if (parsed instanceof RulesError) return;
        const started = performance.now();
        selectRule(parsed, { userAgent: `${userAgent}${'a'.repeat(10_000)}!` });
        expect(performance.now() - started).toBeLessThan(fuzzInputBudgetMs);
      }),
      fuzzParameters(),
    );
  });

  it('deep nesting, aliases and huge strings are refused by name, never a crash or a hang', () => {
    const hostile = fc.oneof(
      fc
        .integer({ min: 1, max: 20_000 })
        .map((depth) => `include: ${'['.repeat(depth)}${']'.repeat(depth)}\n`),
      fc
        .integer({ min: 1, max: 5_000 })
        .map(
          (depth) =>
            `include:\n  - name: r\n    match:\n      a: ${'{not: '.repeat(depth)}x${'}'.repeat(depth)}\n`,
        ),
      fc
        .integer({ min: 1, max: 500_000 })
        .map((length) => `include:\n  - name: ${'n'.repeat(length)}\n    match: { a: b }\n`),
      fc.integer({ min: 1, max: 12 }).map((levels) => {
        // A billion laughs: each alias doubles the document the parser would build.
        const lines = ['a0: &a0 [x, x]'];
        for (let i = 1; i <= levels; i++) lines.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`);
        return `${lines.join('\n')}\ninclude: []\n`;
      }),
      fc.string({ unit: 'binary', maxLength: 500 }),
      fc.constant('\ufeffinclude:\n  - name: r\n    match: { eventName: x }\n'),
    );
    fc.assert(
      fc.property(hostile, (text) => {
        outcomeOf(text);
      }),
      fuzzParameters(60),
    );
  });
});
