import { describe, expect, it } from 'vitest';
import type { CloudTrailEvent } from '../record/cloudtrail-event.js';
import { parseRules } from './parse-rules.js';
import { selectRule } from './select-rule.js';

/** Whether a one-condition include rule selects the event. */
function matches(condition: string, event: CloudTrailEvent): boolean {
  const rules = parseRules(`include:\n  - name: r\n    match:\n      ${condition}\n`);
  return selectRule(rules, event).kind === 'included';
}

const event: CloudTrailEvent = {
  eventSource: 'ec2.amazonaws.com',
  eventName: 'TerminateInstances',
  awsRegion: 'eu-west-1',
  recipientAccountId: '012345678901',
  readOnly: false,
  sourceIPAddress: '10.1.2.3',
  userIdentity: { type: 'AssumedRole', arn: 'arn:aws:sts::012345678901:assumed-role/Admin/alice' },
  requestParameters: { instancesSet: { items: [{ instanceId: 'i-1' }] } },
};

describe('conditions', () => {
  it.each([
    ['eventName: TerminateInstances', true],
    ['eventName: terminateinstances', false],
    ['eventName: Terminate*', true],
    ['eventName: "{Run,Terminate}Instances"', true],
    ['eventName: /^terminate/i', true],
    ['eventName: /^Start/', false],
    ['eventName: [StartInstances, TerminateInstances]', true],
    ['eventName: [StartInstances, Stop*]', false],
    ["eventName: { equals: 'Terminate*' }", false],
    ["recipientAccountId: '012345678901'", true],
    ['userIdentity.type: AssumedRole', true],
    ['userIdentity.arn: "arn:aws:sts::*:assumed-role/*"', true],
    ['userIdentity.arn: "arn:aws:sts::*:assumed-role/Admin/*"', true],
    ['readOnly: false', true],
    ['readOnly: true', false],
    ['errorCode: { present: false }', true],
    ['errorCode: { present: true }', false],
    ['errorCode: { not: AccessDenied }', true],
    ['sourceIPAddress: { cidr: 10.0.0.0/8 }', true],
    ['sourceIPAddress: { cidr: [192.168.0.0/16, 172.16.0.0/12] }', false],
    ['sourceIPAddress: 10.1.2.3', true],
    ['requestParameters.instancesSet: { present: true }', true],
    ['requestParameters.missing.deeper: { present: false }', true],
    ['eventName: { not: [Run*, Terminate*] }', false],
  ])('%s -> %s', (condition, expected) => {
    expect(matches(condition, event)).toBe(expected);
  });

  it('reads "true"/"false" strings as booleans, as some exports write readOnly', () => {
    expect(matches('readOnly: true', { readOnly: 'true' })).toBe(true);
  });

  it('matches CIDR ranges for IPv6 and IPv4-mapped addresses, and never for service names', () => {
    expect(matches('sourceIPAddress: { cidr: 2001:db8::/32 }', { sourceIPAddress: '2001:db8::1' })).toBe(
      true,
    );
    expect(matches('sourceIPAddress: { cidr: 10.0.0.0/8 }', { sourceIPAddress: '::ffff:10.0.0.1' })).toBe(
      true,
    );
    expect(matches('sourceIPAddress: { cidr: 10.0.0.0/8 }', { sourceIPAddress: 'ec2.amazonaws.com' })).toBe(
      false,
    );
    expect(matches('sourceIPAddress: { cidr: 0.0.0.0/0 }', { sourceIPAddress: '08.1.250.216' })).toBe(false);
  });

  it('a missing field matches no value condition', () => {
    expect(matches('errorCode: /.*/', {})).toBe(false);
    expect(matches('readOnly: false', {})).toBe(false);
  });
});

describe('selectRule', () => {
  const rules = parseRules(`
include:
  - name: first
    match: { eventSource: ec2.amazonaws.com }
    priority: normal
  - name: second
    match: { eventName: TerminateInstances }
    priority: low
exclude:
  - name: internal
    match: { sourceIPAddress: { cidr: 10.0.0.0/8 } }
`);

  it('lets exclude win over include', () => {
    expect(selectRule(rules, event)).toMatchObject({ kind: 'excluded', rule: { name: 'internal' } });
  });

  it('takes the first include rule in file order, and needs every field of a rule to match', () => {
    const outside = { ...event, sourceIPAddress: '192.0.2.1' };
    expect(selectRule(rules, outside)).toMatchObject({ kind: 'included', rule: { name: 'first' } });
    expect(selectRule(rules, { ...outside, eventSource: 'rds.amazonaws.com' })).toMatchObject({
      kind: 'included',
      rule: { name: 'second' },
    });
    expect(selectRule(rules, { ...outside, eventSource: 'rds.amazonaws.com', eventName: 'X' })).toEqual({
      kind: 'not-included',
    });
  });
});
