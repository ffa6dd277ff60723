import { describe, expect, it } from 'vitest';
import type { CloudTrailEvent } from './cloudtrail-event.js';
import { describeActor, instanceHost } from './identity.js';

const withIdentity = (userIdentity: unknown): CloudTrailEvent => ({ userIdentity });

describe('describeActor', () => {
  it.each([
    ['Root', { type: 'Root', arn: 'arn:aws:iam::1:root', accountId: '1' }, 'root', 'root'],
    ['IAMUser', { type: 'IAMUser', userName: 'alice', arn: 'arn:aws:iam::1:user/alice' }, 'alice', 'alice'],
    ['IAMUser without userName', { type: 'IAMUser', arn: 'arn:aws:iam::1:user/path/bob' }, 'bob', 'bob'],
    [
      'AssumedRole',
      { type: 'AssumedRole', arn: 'arn:aws:sts::1:assumed-role/Admin/alice@example.com' },
      'alice@example.com as Admin',
      'Admin/alice@example.com',
    ],
    [
      'AssumedRole without an ARN',
      {
        type: 'AssumedRole',
        principalId: 'AROAEXAMPLE:deploy',
        sessionContext: { sessionIssuer: { userName: 'Deployer' } },
      },
      'deploy as Deployer',
      'Deployer/deploy',
    ],
    [
      'FederatedUser',
      { type: 'FederatedUser', arn: 'arn:aws:sts::1:federated-user/Bob', principalId: '1:Bob' },
      'federated user Bob',
      'Bob',
    ],
    [
      'AWSService',
      { type: 'AWSService', invokedBy: 'ec2.amazonaws.com' },
      'ec2.amazonaws.com',
      'ec2.amazonaws.com',
    ],
    [
      'AWSAccount',
      { type: 'AWSAccount', accountId: '222233334444', principalId: 'X:y' },
      'account 222233334444',
      '222233334444',
    ],
    [
      'IdentityCenterUser',
      { type: 'IdentityCenterUser', userId: 'd-123', arn: 'arn:aws:iam::1:user/ic-user' },
      'ic-user',
      'ic-user',
    ],
    ['WebIdentityUser', { type: 'WebIdentityUser', userName: 'cognito:abc' }, 'cognito:abc', 'cognito:abc'],
  ])('%s', (_, identity, name, tagValue) => {
    expect(describeActor(withIdentity(identity))).toMatchObject({ name, tagValue });
  });

  it('names AWS acting on its own behalf when CloudTrail gives no type', () => {
    expect(describeActor(withIdentity({ accountId: '1', invokedBy: 'AWS Internal' }))).toEqual({
      name: 'AWS Internal',
      tagValue: 'AWS Internal',
      type: 'AWSService',
      principal: 'AWS Internal',
      accountId: '1',
    });
  });

  it('handles records without an identity, Insights among them', () => {
    expect(describeActor({ eventCategory: 'Insight' })).toMatchObject({
      name: 'CloudTrail Insights',
      type: 'Insight',
    });
    expect(describeActor({})).toMatchObject({ name: 'an unknown principal', type: 'None', tagValue: null });
  });
});

describe('instanceHost', () => {
  it.each([
    ['arn:aws:sts::1:assumed-role/ec2-role/i-08014e4f62ccf762d', 'i-08014e4f62ccf762d'],
    ['arn:aws-us-gov:sts::1:assumed-role/ec2-role/i-0123abcd', 'i-0123abcd'],
    ['arn:aws:sts::1:assumed-role/ec2-role/alice', null],
    ['arn:aws:sts::1:assumed-role/ec2-role/i-08014e4f62ccf762dX', null],
    ['arn:aws:iam::1:user/i-0123abcd', null],
  ])('%s -> %s', (arn, host) => {
    expect(instanceHost({ userIdentity: { arn } })).toBe(host);
  });
});
