import { expect } from 'vitest';
import { parseRules, RulesError, type RulesProblem } from '../src/rules/parse-rules.js';

/** The problems a rules text is refused with; fails the test when it is accepted. */
export function problemsOf(text: string): RulesProblem[] {
  try {
    parseRules(text, 'rules.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(RulesError);
    return [...(error as RulesError).problems];
  }
  throw new Error('expected the rules to be refused');
}
