import { readFileSync } from 'node:fs';
import { mutateText } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { problemsOf } from '../../test/rules-problems.js';
import { defaultRulesPath } from './default-rules.js';
import { parseRules } from './parse-rules.js';

describe('parseRules', () => {
  it('compiles a valid file with overrides', () => {
    const rules = parseRules(`
include:
  - name: deletes
    match:
      eventName: Delete*
      userIdentity.type: [IAMUser, AssumedRole]
    priority: low
    alertType: warning
    tags: [Team:Platform, 'owner:ops team']
    title: "{actor} deleted something in {awsRegion}"
exclude:
  - name: automation
    match:
      userIdentity.arn: /automation/i
`);
    expect(rules.include).toHaveLength(1);
    const [rule] = rules.include;
    expect(rule).toMatchObject({
      name: 'deletes',
      line: 3,
      overrides: { priority: 'low', alertType: 'warning', tags: ['team:platform', 'owner:ops_team'] },
    });
    expect(rule!.matchers.map((m) => m.path)).toEqual(['eventName', 'userIdentity.type']);
    expect(rule!.overrides.title?.source).toBe('{actor} deleted something in {awsRegion}');
    expect(rules.exclude.map((r) => [r.name, r.line])).toEqual([['automation', 12]]);
  });

  it('accepts the shipped default rules', () => {
    const rules = parseRules(readFileSync(defaultRulesPath, 'utf8'), defaultRulesPath);
    expect(rules.include.map((r) => r.name)).toEqual([
      'console-sign-ins',
      'failed-calls-to-watched-services',
      'changes-to-watched-services',
      'failed-calls-to-other-services',
      'changes-to-other-services',
      'insights',
    ]);
  });

  it('names the line of a YAML syntax error', () => {
    const [problem] = problemsOf('include:\n  - name: a\n    match: {eventName: [x\n');
    expect(problem!.line).toBeGreaterThanOrEqual(3);
    expect(problem!.message).toMatch(/flow|collection|\]/i);
  });

  it('names the line and path of every structural problem', () => {
    const problems = problemsOf(`include:
  - name: a
    match:
      eventName: X
    priorty: low
  - name: b
    match:
      eventName: Y
    priority: urgent
exclud: []
`);
    expect(problems.map(({ line, path }) => [line, path])).toEqual([
      [5, 'include[0].priorty'],
      [9, 'include[1].priority'],
      [10, 'exclud'],
    ]);
    expect(problems[1]!.message).toMatch(/normal.*low/);
  });

  it('reports a rule without match at the rule', () => {
    const [problem] = problemsOf('include:\n  - name: a\n');
    expect(problem).toMatchObject({ line: 2, path: 'include[0].match' });
  });

  it('names the line of every bad condition, tag, title and duplicate name', () => {
    const problems = problemsOf(`include:
  - name: a
    match:
      eventName: /([a-z/
      sourceIPAddress: { cidr: [10.0.0.0/8, 10.0.0.0/33] }
      recipientAccountId: 012345678901
      errorCode: { present: maybe }
      readOnly: []
    tags: ['!!!']
    title: "{actor} did {what ever}"
  - name: a
    match:
      awsRegion: { startsWith: eu }
`);
    expect(problems.map(({ line, path }) => [line, path])).toEqual([
      [4, 'include[0].match.eventName'],
      [5, 'include[0].match.sourceIPAddress.cidr[1]'],
      [6, 'include[0].match.recipientAccountId'],
      [7, 'include[0].match.errorCode.present'],
      [8, 'include[0].match.readOnly'],
      [9, 'include[0].tags[0]'],
      [10, 'include[0].title'],
      [11, 'include[1].name'],
      [13, 'include[1].match.awsRegion'],
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/invalid regular expression/),
      expect.stringMatching(/not a CIDR range/),
      "write numbers as quoted strings, e.g. '12345678901'",
      'present takes true or false',
      'an empty list matches nothing',
      expect.stringMatching(/empty once normalized/),
      expect.stringMatching(/not a field name/),
      'rule name "a" is used twice',
      expect.stringMatching(/exactly one of present, cidr, not, equals/),
    ]);
  });

  it('refuses an alias without anchor, and an alias bomb, as problems rather than crashing', () => {
    expect(problemsOf('include:\n  - name: a\n    match: { eventName: *nowhere }\n')).toEqual([
      expect.objectContaining({ line: 1, message: expect.stringMatching(/Unresolved alias/) }),
    ]);
    const bomb = ['a0: &a0 [x, x]'];
    for (let i = 1; i <= 12; i++) bomb.push(`a${i}: &a${i} [*a${i - 1}, *a${i - 1}]`);
    expect(problemsOf(`${bomb.join('\n')}\ninclude: []\n`)).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/Excessive alias count/) }),
    ]);
  });

  it('refuses YAML nested too deeply for the parser as a problem, not a stack overflow', () => {
    // Found by the fuzz test: the default rules with a two-character run repeated 13,101 times.
    const defaultRules = readFileSync(defaultRulesPath, 'utf8');
    const nested = mutateText(defaultRules, [
      { kind: 'repeat', at: 1124701122, length: 2, times: 13101 },
      { kind: 'delete', at: 2147483643, length: 4 },
      { kind: 'insert', at: 25, text: '\n' },
      { kind: 'insert', at: 119019863, text: '{' },
    ]);
    expect(problemsOf(nested).map((problem) => problem.message)).toContainEqual(
      expect.stringMatching(/nests too deeply|Maximum call stack/),
    );
  });

  it('formats the error with file, line and column', () => {
    expect(() =>
      parseRules('include:\n  - name: a\n    match: {eventName: x}\n    colour: red\n', 'rules.yaml'),
    ).toThrow(/rules\.yaml has 1 problem:\n {2}rules\.yaml:4:5 include\[0\]\.colour: Unrecognized key/);
  });
});
