import { describe, expect, it } from 'vitest';
import { decideKey, everyAccountAndRegion } from './key-filter.js';

const key = (account: string, region: string) =>
  `AWSLogs/${account}/CloudTrail/${region}/2024/01/01/${account}_CloudTrail_${region}_20240101T0005Z_a.json.gz`;

describe('decideKey', () => {
  it('accepts a log when no lists are set', () => {
    expect(decideKey(key('111122223333', 'eu-west-1'), everyAccountAndRegion()).accepted).toBe(true);
  });

  it('applies account and region allow and deny lists, deny first', () => {
    const rules = everyAccountAndRegion({
      accountsAllow: new Set(['111122223333', '444455556666']),
      accountsDeny: new Set(['444455556666']),
      regionsDeny: new Set(['us-east-1']),
    });
    expect(decideKey(key('111122223333', 'eu-west-1'), rules).accepted).toBe(true);
    expect(decideKey(key('444455556666', 'eu-west-1'), rules)).toEqual({
      accepted: false,
      reason: 'account-filtered',
    });
    expect(decideKey(key('777788889999', 'eu-west-1'), rules)).toEqual({
      accepted: false,
      reason: 'account-filtered',
    });
    expect(decideKey(key('111122223333', 'us-east-1'), rules)).toEqual({
      accepted: false,
      reason: 'region-filtered',
    });
  });

  it('passes the layout reasons through', () => {
    expect(decideKey('logs/app.log', everyAccountAndRegion())).toEqual({
      accepted: false,
      reason: 'not-cloudtrail',
    });
  });
});
