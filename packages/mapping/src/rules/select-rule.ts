import { type CloudTrailEvent, readPath } from '../record/cloudtrail-event.js';
import type { Rule, RuleDecision, RuleSet } from './rule-set.js';

function matches(rule: Rule, event: CloudTrailEvent): boolean {
  return rule.matchers.every((matcher) => matcher.test(readPath(event, matcher.segments)));
}

/** Exclude wins over include; among include rules the first in file order decides the overrides. */
export function selectRule(rules: RuleSet, event: CloudTrailEvent): RuleDecision {
  const excludedBy = rules.exclude.find((rule) => matches(rule, event));
  if (excludedBy !== undefined) return { kind: 'excluded', rule: excludedBy };
  const includedBy = rules.include.find((rule) => matches(rule, event));
  return includedBy === undefined ? { kind: 'not-included' } : { kind: 'included', rule: includedBy };
}
