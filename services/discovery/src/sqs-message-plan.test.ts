import { everyAccountAndRegion } from '@trailstream/cloudtrail';
import { describe, expect, it } from 'vitest';
import { planSqsMessage } from './sqs-message-plan.js';

const LOG =
  'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/15/111122223333_CloudTrail_eu-west-1_20240115T1200Z_a.json.gz';
const DIGEST =
  'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/01/15/111122223333_CloudTrail-Digest_eu-west-1_t_eu-west-1_20240115T120012Z.json.gz';
const context = { rules: everyAccountAndRegion(), defaultRegion: 'us-east-2', now: 1_700_000_000_000 };

describe('planSqsMessage', () => {
  it('turns CloudTrail keys into references, digests into digest references, and counts what it skips', () => {
    const body = JSON.stringify({ s3Bucket: 'trail-bucket', s3ObjectKey: [LOG, DIGEST, 'other/file.txt'] });
    expect(planSqsMessage(body, context)).toEqual({
      action: 'deliver',
      shape: 'cloudtrail-sns',
      refs: [
        {
          bucket: 'trail-bucket',
          key: LOG,
          region: 'us-east-2',
          size: null,
          etag: null,
          foundBy: 'sqs',
          discoveredAt: context.now,
          sequencer: null,
          versionId: null,
        },
      ],
      digests: [
        {
          bucket: 'trail-bucket',
          key: DIGEST,
          region: 'us-east-2',
          size: null,
          etag: null,
          foundBy: 'sqs',
          discoveredAt: context.now,
          sequencer: null,
          versionId: null,
        },
      ],
      skipped: ['not-cloudtrail'],
      ignoredEvents: 0,
    });
  });

  it('skips the digests of a filtered-out account like its logs', () => {
    const rules = everyAccountAndRegion({ accountsDeny: new Set(['111122223333']) });
    const body = JSON.stringify({ s3Bucket: 'trail-bucket', s3ObjectKey: [DIGEST] });
    expect(planSqsMessage(body, { ...context, rules })).toMatchObject({
      digests: [],
      skipped: ['account-filtered'],
    });
  });

  it('carries the version id S3 sends for a versioned bucket into the reference', () => {
    const body = JSON.stringify({
      Records: [
        {
          eventName: 'ObjectCreated:Put',
          awsRegion: 'eu-west-1',
          s3: {
            bucket: { name: 'trail-bucket' },
            object: { key: LOG, size: 42, eTag: 'abc', versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY' },
          },
        },
      ],
    });
    const plan = planSqsMessage(body, context);
    expect(plan.action === 'deliver' && plan.refs.map((ref) => ref.versionId)).toEqual([
      '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
    ]);
  });

  it('delivers nothing, and so deletes, for a test event', () => {
    const body = JSON.stringify({ Service: 'Amazon S3', Event: 's3:TestEvent', Bucket: 'b' });
    expect(planSqsMessage(body, context)).toEqual({
      action: 'deliver',
      shape: 's3-test-event',
      refs: [],
      digests: [],
      skipped: [],
      ignoredEvents: 0,
    });
  });

  it('dead-letters what it cannot read', () => {
    expect(planSqsMessage('{"hello":"world"}', context)).toMatchObject({
      action: 'dead-letter',
      reasonClass: 'unknown-notification',
    });
  });
});
