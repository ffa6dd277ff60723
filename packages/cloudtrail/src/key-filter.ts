import { type CloudTrailKey, type KeySkipReason, selectCloudTrailKey } from './key-layout.js';

/** Which CloudTrail files this deployment forwards; empty allow lists allow everything. */
export interface KeyFilterRules {
  includeInsights: boolean;
  accountsAllow: ReadonlySet<string>;
  accountsDeny: ReadonlySet<string>;
  regionsAllow: ReadonlySet<string>;
  regionsDeny: ReadonlySet<string>;
}

/** Why a key is not forwarded; `no-delivery-time` is a listed file whose name lacks the time poll mode orders by. */
export type SkipReason = KeySkipReason | 'account-filtered' | 'region-filtered' | 'no-delivery-time';

/** No account or region list: every CloudTrail log file of the trail, unless `overrides` narrow it. */
export function everyAccountAndRegion(overrides: Partial<KeyFilterRules> = {}): KeyFilterRules {
  return {
    includeInsights: false,
    accountsAllow: new Set(),
    accountsDeny: new Set(),
    regionsAllow: new Set(),
    regionsDeny: new Set(),
    ...overrides,
  };
}

export type KeyDecision = { accepted: true; key: CloudTrailKey } | { accepted: false; reason: SkipReason };

export function decideKey(key: string, rules: KeyFilterRules): KeyDecision {
  const selection = selectCloudTrailKey(key, { includeInsights: rules.includeInsights });
  if (!selection.selected) return { accepted: false, reason: selection.reason };
  const reason = filteredOut(selection.key, rules);
  return reason ? { accepted: false, reason } : { accepted: true, key: selection.key };
}

/** Why an account × region is excluded by the allow and deny lists, or null when it is not. */
export function filteredOut(
  target: { accountId: string; region: string },
  rules: KeyFilterRules,
): 'account-filtered' | 'region-filtered' | null {
  if (!isAccountAllowed(target.accountId, rules)) return 'account-filtered';
  if (!isAllowed(target.region, rules.regionsAllow, rules.regionsDeny)) return 'region-filtered';
  return null;
}

export function isAccountAllowed(accountId: string, rules: KeyFilterRules): boolean {
  return isAllowed(accountId, rules.accountsAllow, rules.accountsDeny);
}

function isAllowed(value: string, allow: ReadonlySet<string>, deny: ReadonlySet<string>): boolean {
  return !deny.has(value) && (allow.size === 0 || allow.has(value));
}
