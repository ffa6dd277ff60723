import type { KeyFilterRules } from './key-filter.js';

/** Filter rules for tests: everything allowed unless overridden. */
export function rulesWith(overrides: Partial<KeyFilterRules> = {}): KeyFilterRules {
  return {
    includeInsights: false,
    accountsAllow: new Set(),
    accountsDeny: new Set(),
    regionsAllow: new Set(),
    regionsDeny: new Set(),
    ...overrides,
  };
}
