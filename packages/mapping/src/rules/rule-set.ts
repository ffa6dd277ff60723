import type { AlertType, EventPriority } from '@trailstream/schemas';
import type { TitleTemplate } from './title-template.js';

/** A compiled test of one value read from a record; `undefined` means the field is absent. */
export type ValueTest = (value: unknown) => boolean;

/** One `path: condition` entry of a rule's `match`. */
export interface FieldMatcher {
  path: string;
  segments: readonly string[];
  test: ValueTest;
}

export interface Rule {
  name: string;
  /** Line of the rule in the rules file, for logs that explain a decision. */
  line: number;
  /** Every matcher must pass (and); a list inside one condition means any of (or). */
  matchers: readonly FieldMatcher[];
}

/** What a matching include rule changes about the event it produces. */
export interface RuleOverrides {
  priority: EventPriority | null;
  alertType: AlertType | null;
  /** Already normalized by Datadog's tag rules. */
  tags: readonly string[];
  title: TitleTemplate | null;
}

export interface IncludeRule extends Rule {
  overrides: RuleOverrides;
}

export interface RuleSet {
  include: readonly IncludeRule[];
  exclude: readonly Rule[];
}

/** Why a record was or was not selected. */
export type RuleDecision =
  | { kind: 'excluded'; rule: Rule }
  | { kind: 'not-included' }
  | { kind: 'included'; rule: IncludeRule };
