import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../test/rules-problems.js';
import type { CloudTrailEvent } from '../record/cloudtrail-event.js';
import { parseRules } from './parse-rules.js';
import { selectRule } from './select-rule.js';

function oneRule(field: string, condition: string): string {
  return `include:\n  - name: r\n    match:\n      ${field}: ${condition}\n`;
}

const included = (rulesText: string, event: CloudTrailEvent) =>
  selectRule(parseRules(rulesText), event).kind === 'included';

describe('rule patterns run in linear time', () => {
  it('matches the catastrophic /^(\\w+\\s?)*$/ against a crafted 10 KB user agent in milliseconds', () => {
    const rules = parseRules(oneRule('userAgent', "'/^(\\w+\\s?)*$/'"));
    // A backtracking engine needs about 2^n steps on n word characters followed by one that fails.
    const userAgent = `${'a'.repeat(10_000)}!`;
    const started = performance.now();
    const decision = selectRule(rules, { userAgent });
    const elapsedMs = performance.now() - started;
    expect(decision.kind).toBe('not-included');
    // A second of slack on a loaded machine; the backtracking engine needs longer than the universe's age.
    expect(elapsedMs).toBeLessThan(1_000);
    expect(selectRule(rules, { userAgent: 'aws cli 2 Python 3' }).kind).toBe('included');
  });

  it('runs globs in the same engine: many stars on a long value do not backtrack', () => {
    const rules = parseRules(oneRule('userAgent', "'*a*a*a*a*a*a*b'"));
    const started = performance.now();
    expect(selectRule(rules, { userAgent: 'a'.repeat(5_000) }).kind).toBe('not-included');
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(selectRule(rules, { userAgent: 'xaaaaaayb' }).kind).toBe('included');
  });

  it.each([
    ['/(a)\\1/', /backreferences \(\\1…\) are not supported: rule regexes use the RE2 dialect/],
    ['/(?<w>a)\\k<w>/', /backreferences \(\\k…\) are not supported/],
    ['/^(?=admin)/', /lookahead \(\(\?=…\) is not supported/],
    ['/^(?!admin)/', /lookahead \(\(\?!…\) is not supported/],
    ['/(?<=arn:)aws/', /lookbehind \(\(\?<=…\) is not supported/],
    ['/(?<!x)y/', /lookbehind \(\(\?<!…\) is not supported/],
    ['/a++/', /invalid nested repetition operator/],
    ['/x/v', /flag v is not supported/],
    ["'+(a|aa)b'", /extglob \+\(…\) is not supported/],
  ])('refuses %s at load with the line and column of its rule', (condition, message) => {
    const problems = problemsOf(
      `include:\n  - name: fine\n    match:\n      eventName: x\n  - name: r\n    match:\n      userAgent: ${condition}\n`,
    );
    expect(problems).toEqual([
      { line: 7, column: 7, path: 'include[1].match.userAgent', message: expect.stringMatching(message) },
    ]);
  });

  it.each([
    ['/^Delete/i', 'deletebucket', true],
    ['/\\u00e9t\\u{E9}/', 'été', true],
    ['/^arn:aws:iam::\\d{12}:root$/', 'arn:aws:iam::012345678901:root', true],
    ['/a.b/s', 'a\nb', true],
    ['/^b$/m', 'a\nb', true],
    ['/^b$/', 'a\nb', false],
    ['/[\\/]x/', 'a/x', true],
    ['/\\(\\?=x/', '(?=x', true],
    ['/[(?=]/', '?', true],
    ['"{Run,Terminate}Instances"', 'RunInstances', true],
    ['"{Run,Terminate}Instances"', 'StopInstances', false],
    ['"arn:aws:sts::*:assumed-role/*"', 'arn:aws:sts::1:assumed-role/Admin/alice', true],
    ['"i-?"', 'i-1', true],
    ['"i-?"', 'i-12', false],
    ['"[!a]x"', 'bx', true],
    ['"[!a]x"', 'ax', false],
    ['"a.b*"', 'axb', false],
    ['"*\\\\*"', 'a*', true],
    ['"*\\\\*"', 'ab', false],
  ])('keeps the JavaScript meaning of %s on %j', (condition, value, expected) => {
    expect(included(oneRule('eventName', condition), { eventName: value })).toBe(expected);
  });
});

describe('match keys and record fields', () => {
  it('counts only a record’s own fields: inherited ones are absent', () => {
    const event = { requestParameters: { bucketName: 'b' } };
    expect(included(oneRule('requestParameters.toString', '{ present: true }'), event)).toBe(false);
    expect(included(oneRule('requestParameters.toString', '{ present: false }'), event)).toBe(true);
    expect(included(oneRule('requestParameters.hasOwnProperty', "'/.*/'"), event)).toBe(false);
    expect(included(oneRule('requestParameters.bucketName', 'b'), event)).toBe(true);
  });

  it.each([
    '__proto__',
    'requestParameters.__proto__',
    'constructor',
    'requestParameters.constructor.prototype',
  ])('refuses the match key %s and says why', (field) => {
    const problems = problemsOf(
      `include:\n  - name: r\n    match:\n      eventName: x\n      ${field}: { present: true }\n`,
    );
    expect(problems).toEqual([
      {
        line: 5,
        column: 7,
        path: `include[0].match.${field}`,
        message: expect.stringMatching(
          /is refused: (__proto__|constructor) names a JavaScript object internal/,
        ),
      },
    ]);
  });

  it('refuses a match whose only key is __proto__ with that reason too', () => {
    const problems = problemsOf('include:\n  - name: r\n    match:\n      __proto__: { present: true }\n');
    expect(problems.map((problem) => problem.message)).toContainEqual(
      expect.stringMatching(/"__proto__" is refused/),
    );
  });
});
