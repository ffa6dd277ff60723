import { everyAccountAndRegion } from '@trailstream/cloudtrail';
import { loadConfig, topicSpecs, topicsEnv } from '@trailstream/runtime';
import { describe, expect, it } from 'vitest';
import type { AwsOutcome } from './aws-failures.js';
import {
  datadogChecks,
  discoveryFilterCheck,
  discoverySettingChecks,
  discoveryWiringCheck,
  doctorExitCode,
  kafkaChecks,
  principalArn,
  regionChecks,
  sourceRoleChecks,
  trailChecks,
} from './checks.js';
import type {
  BucketNotificationSummary,
  DiscoveryObservation,
  SourceRoleObservation,
  TrailObservation,
  TrailStatusSummary,
  TrailSummary,
} from './observations.js';
import { doctorJson, formatDoctorReport } from './report.js';

const trail: TrailSummary = {
  name: 'management-events',
  arn: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/management-events',
  homeRegion: 'eu-west-1',
  accountId: '111122223333',
  bucket: 'org-trail-bucket',
  keyPrefix: 'audit',
  multiRegion: true,
  organization: false,
  logFileValidation: true,
  kmsKeyId: null,
};
const logging: TrailStatusSummary = {
  logging: true,
  latestDeliveryError: null,
  latestDigestDeliveryError: null,
  latestDeliveryTime: Date.parse('2026-12-02T10:05:00Z'),
  stoppedLoggingAt: null,
};
const ok = <T>(value: T): AwsOutcome<T> => ({ ok: true, value });
const denied = (permission: string, resource: string): AwsOutcome<never> => ({
  ok: false,
  call: { permission, resource },
  failure: { kind: 'denied', message: `AccessDeniedException: not authorized to perform: ${permission}` },
});
const logKey =
  'audit/AWSLogs/111122223333/CloudTrail/eu-west-1/2026/12/02/111122223333_CloudTrail_eu-west-1_20261202T1005Z_abc.json.gz';
const digestKey =
  'audit/AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2026/12/02/111122223333_CloudTrail-Digest_eu-west-1_management-events_eu-west-1_20261202T100000Z.json.gz';
const queueArn = 'arn:aws:sqs:eu-west-1:111122223333:trailstream-discovery';
const notifyingQueue: BucketNotificationSummary = {
  queues: [{ arn: queueArn, events: ['s3:ObjectCreated:*'], prefix: 'audit/AWSLogs/' }],
  topics: [],
  eventBridge: false,
};
const queueSource: DiscoveryObservation = {
  sources: [
    {
      kind: 'queue',
      url: 'https://sqs.eu-west-1.amazonaws.com/111122223333/trailstream-discovery',
      arn: ok(queueArn),
    },
  ],
  filters: everyAccountAndRegion(),
  problems: [],
  roles: [],
};

function observed(
  overrides: Partial<TrailObservation> = {},
  summary: Partial<TrailSummary> = {},
): TrailObservation {
  return {
    trail: { ...trail, ...summary },
    status: ok(logging),
    bucket: {
      location: ok('eu-west-1'),
      listing: ok({ organizationId: null }),
      regions: [
        { region: 'eu-west-1', latestLog: ok(logKey), read: ok(undefined), latestDigest: ok(digestKey) },
      ],
    },
    notification: ok(notifyingQueue),
    ...overrides,
  };
}

const failed = (checks: ReturnType<typeof trailChecks>) => checks.filter((check) => !check.ok);

describe('regionChecks', () => {
  const region = (trails: AwsOutcome<TrailSummary[]>, optIn = false) => ({
    region: 'eu-west-1',
    optIn,
    trails,
  });

  it('passes a region a selected trail logs', () => {
    const [check] = regionChecks(region(ok([trail])), new Map([[trail.arn, ok(logging)]]), []);
    expect(check).toMatchObject({ ok: true, subject: 'eu-west-1', detail: 'management-events' });
  });

  it('fails a region whose trails are stopped, with the command that starts them', () => {
    const stopped = ok({ ...logging, logging: false });
    const [check] = regionChecks(region(ok([trail])), new Map([[trail.arn, stopped]]), []);
    expect(check).toMatchObject({ ok: false, detail: 'management-events is not logging' });
    expect(check!.fix!.commands).toEqual([
      `aws cloudtrail start-logging --name ${trail.arn} --region eu-west-1`,
    ]);
  });

  it('fails a region no selected trail logs, with the commands that create one', () => {
    const [check] = regionChecks(region(ok([trail])), new Map(), ['other-trail']);
    expect(check).toMatchObject({ ok: false, detail: 'no selected trail logs eu-west-1' });
    expect(check!.fix!.commands[0]).toContain('aws cloudtrail create-trail --name <name>');
  });

  it('names cloudtrail:DescribeTrails when it is denied, as an IAM statement to add', () => {
    const [check] = regionChecks(region(denied('cloudtrail:DescribeTrails', '*')), new Map(), []);
    expect(check).toMatchObject({ ok: false });
    expect(check!.detail).toMatch(/^cloudtrail:DescribeTrails denied/);
    expect(check!.fix!.statement).toEqual({
      Effect: 'Allow',
      Action: ['cloudtrail:DescribeTrails'],
      Resource: ['*'],
    });
  });

  it('passes an opt-in region the account has not enabled', () => {
    const notEnabled: AwsOutcome<never> = {
      ok: false,
      call: { permission: 'cloudtrail:DescribeTrails', resource: '*' },
      failure: { kind: 'unrecognized-client', message: 'UnrecognizedClientException: invalid token' },
    };
    expect(regionChecks(region(notEnabled, true), new Map(), [])[0]).toMatchObject({ ok: true });
    expect(regionChecks(region(notEnabled, false), new Map(), [])[0]).toMatchObject({ ok: false });
  });
});

describe('trailChecks', () => {
  it('passes a trail set up right', () => {
    const checks = trailChecks(observed(), queueSource);
    expect(failed(checks)).toEqual([]);
    expect(checks.map((check) => check.name)).toEqual([
      'logging',
      'last delivery error',
      'multi-region',
      'log file validation',
      'organization trail',
      'encryption',
      'location',
      'list audit/AWSLogs/',
      'recent log file eu-west-1',
      'read log file eu-west-1',
      'recent digest eu-west-1',
      'reaches discovery (management-events)',
      "kept by discovery's filters (management-events)",
    ]);
  });

  it('fails a single-region trail without validation, with the update-trail commands', () => {
    const checks = failed(
      trailChecks(observed({}, { multiRegion: false, logFileValidation: false }), queueSource),
    );
    expect(checks.map((check) => [check.name, check.fix!.commands])).toEqual([
      [
        'multi-region',
        [`aws cloudtrail update-trail --name ${trail.arn} --is-multi-region-trail --region eu-west-1`],
      ],
      [
        'log file validation',
        [`aws cloudtrail update-trail --name ${trail.arn} --enable-log-file-validation --region eu-west-1`],
      ],
    ]);
  });

  it('shows a delivery error with the bucket policy CloudTrail needs', () => {
    const status = ok({ ...logging, latestDeliveryError: 'AccessDenied' });
    const [check] = failed(trailChecks(observed({ status }), queueSource));
    expect(check).toMatchObject({ name: 'last delivery error', detail: 'AccessDenied' });
    expect(check!.fix!.statement).toContainEqual(
      expect.objectContaining({
        Action: 's3:PutObject',
        Resource: 'arn:aws:s3:::org-trail-bucket/audit/AWSLogs/111122223333/*',
        Principal: { Service: 'cloudtrail.amazonaws.com' },
      }),
    );
  });

  it('names cloudtrail:GetTrailStatus when the status cannot be read', () => {
    const [check] = failed(
      trailChecks(observed({ status: denied('cloudtrail:GetTrailStatus', trail.arn) }), queueSource),
    );
    expect(check).toMatchObject({ name: 'logging' });
    expect(check!.fix!.statement).toEqual({
      Effect: 'Allow',
      Action: ['cloudtrail:GetTrailStatus'],
      Resource: [trail.arn],
    });
  });

  it('asks for s3:GetObject and kms:Decrypt when an SSE-KMS log file cannot be read', () => {
    const kmsKeyId = 'arn:aws:kms:eu-west-1:111122223333:key/1234abcd';
    const objects = 'arn:aws:s3:::org-trail-bucket/audit/AWSLogs/*';
    const base = observed({}, { kmsKeyId });
    const read = denied('s3:GetObject', objects);
    const checks = failed(
      trailChecks(
        { ...base, bucket: { ...base.bucket, regions: [{ ...base.bucket.regions[0]!, read }] } },
        queueSource,
      ),
    );
    expect(checks.map((check) => check.name)).toEqual(['read log file eu-west-1']);
    expect(checks[0]!.fix!.text).toContain('s3:GetObject and kms:Decrypt');
    expect(checks[0]!.fix!.statement).toEqual([
      { Effect: 'Allow', Action: ['s3:GetObject'], Resource: [objects] },
      { Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [kmsKeyId] },
    ]);
  });

  it('stops at the listing when s3:ListBucket is denied, and reports a region with nothing recent', () => {
    const listing = denied('s3:ListBucket', 'arn:aws:s3:::org-trail-bucket');
    const base = observed();
    const noList = failed(
      trailChecks({ ...base, bucket: { ...base.bucket, listing, regions: [] } }, queueSource),
    );
    expect(noList.map((check) => check.name)).toEqual(['list audit/AWSLogs/']);
    const quiet = { region: 'eu-west-1', latestLog: ok(null), read: null, latestDigest: ok(null) };
    const nothing = failed(
      trailChecks({ ...base, bucket: { ...base.bucket, regions: [quiet] } }, queueSource),
    );
    expect(nothing.map((check) => [check.name, check.detail])).toEqual([
      ['recent log file eu-west-1', 'none in the last 24 h under audit/AWSLogs/…/eu-west-1/'],
      ['recent digest eu-west-1', 'none in the last 24 h'],
    ]);
  });
});

describe('discoveryWiringCheck', () => {
  it('passes a bucket that notifies a configured queue, or that POLL_SOURCES lists', () => {
    expect(discoveryWiringCheck(observed(), queueSource)).toMatchObject({
      ok: true,
      detail: `S3 notifies ${queueArn} on s3:ObjectCreated:*`,
    });
    const polled: DiscoveryObservation = {
      sources: [
        {
          kind: 'listing',
          text: 'org-trail-bucket/audit/AWSLogs/',
          source: { bucket: 'org-trail-bucket', basePrefix: 'audit/', organizationId: null },
        },
      ],
      filters: everyAccountAndRegion(),
      problems: [],
      roles: [],
    };
    expect(discoveryWiringCheck(observed({ notification: null }), polled)).toMatchObject({
      ok: true,
      detail: 'POLL_SOURCES lists org-trail-bucket/audit/AWSLogs/',
    });
  });

  it('fails a bucket that notifies another queue, or outside the trail prefix, with the command to wire it', () => {
    const elsewhere = ok({
      ...notifyingQueue,
      queues: [{ ...notifyingQueue.queues[0]!, arn: 'arn:aws:sqs:eu-west-1:111122223333:other' }],
    });
    const outside = ok({
      ...notifyingQueue,
      queues: [{ ...notifyingQueue.queues[0]!, prefix: 'elsewhere/' }],
    });
    for (const notification of [elsewhere, outside, ok({ queues: [], topics: [], eventBridge: false })]) {
      const check = discoveryWiringCheck(observed({ notification }), queueSource);
      expect(check.ok).toBe(false);
      expect(check.fix!.commands[1]).toBe(
        `aws s3api put-bucket-notification-configuration --bucket org-trail-bucket --notification-configuration '{"QueueConfigurations":[{"QueueArn":"${queueArn}","Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"audit/AWSLogs/"}]}}}]}'`,
      );
    }
  });

  it('names s3:GetBucketNotification when it is denied', () => {
    const notification = denied('s3:GetBucketNotification', 'arn:aws:s3:::org-trail-bucket');
    expect(discoveryWiringCheck(observed({ notification }), queueSource).fix!.statement).toEqual({
      Effect: 'Allow',
      Action: ['s3:GetBucketNotification'],
      Resource: ['arn:aws:s3:::org-trail-bucket'],
    });
  });

  it("fails a trail whose account or regions discovery's allow and deny lists drop", () => {
    const filtered = (filters: Parameters<typeof everyAccountAndRegion>[0]) =>
      discoveryFilterCheck(observed(), { ...queueSource, filters: everyAccountAndRegion(filters) });
    expect(filtered({})).toMatchObject({ ok: true, detail: 'account 111122223333, every checked region' });
    expect(filtered({ regionsDeny: new Set(['eu-west-1']) })).toMatchObject({
      ok: false,
      detail: 'region eu-west-1 dropped by REGIONS_ALLOW / REGIONS_DENY',
    });
    expect(filtered({ accountsAllow: new Set(['444455556666']) })).toMatchObject({
      ok: false,
      detail: 'account 111122223333 is dropped by ACCOUNTS_ALLOW / ACCOUNTS_DENY',
    });
  });

  it('fails discovery settings that name nothing or do not parse', () => {
    expect(
      discoverySettingChecks({ sources: [], filters: everyAccountAndRegion(), problems: [], roles: [] }),
    ).toMatchObject([{ ok: false, name: 'sources' }]);
    expect(
      discoverySettingChecks({
        sources: [],
        filters: everyAccountAndRegion(),
        problems: ['POLL_SOURCES entry "x" is invalid'],
        roles: [],
      }),
    ).toMatchObject([{ ok: false, detail: 'POLL_SOURCES entry "x" is invalid' }]);
  });
});

describe('kafkaChecks', () => {
  const specs = topicSpecs(loadConfig(topicsEnv, {}), ['objects', 'seenObjects']);
  const settingsOf = (index: number) =>
    new Map(specs[index]!.configEntries.map((entry) => [entry.name, entry.value]));

  it('passes topics with the planned settings, fails a missing one and one whose setting drifted', () => {
    const drifted = new Map(settingsOf(0)).set('retention.ms', '3600000');
    const checks = kafkaChecks({
      configured: true,
      brokers: ['kafka-1:9092'],
      reachable: true,
      topics: [
        { spec: specs[0]!, partitions: 12, settings: drifted },
        { spec: specs[1]!, partitions: null, settings: null },
      ],
      problems: [],
    });
    expect(checks.map((check) => [check.subject, check.ok, check.detail])).toEqual([
      ['kafka-1:9092', true, 'admin API answered'],
      ['trailstream.objects', false, 'retention.ms=3600000, planned 604800000'],
      ['trailstream.fetcher-parser.seen-objects', false, 'missing (state of fetcher-parser)'],
    ]);
    expect(checks[1]!.fix!.commands).toEqual([
      'kafka-configs.sh --bootstrap-server kafka-1:9092 --alter --entity-type topics --entity-name trailstream.objects --add-config retention.ms=[604800000]',
    ]);
    expect(checks[2]!.fix!.commands).toEqual(['trailstream topics --brokers kafka-1:9092']);
  });

  it('fails unreachable or unconfigured Kafka', () => {
    expect(
      kafkaChecks({
        configured: true,
        brokers: ['b:9092'],
        reachable: false,
        reason: 'no answer within 20 s',
      }),
    ).toMatchObject([{ ok: false, name: 'reachable', detail: 'no answer within 20 s' }]);
    expect(kafkaChecks({ configured: false, problem: 'KAFKA_BROKERS: expected host:port' })).toMatchObject([
      { ok: false },
    ]);
  });
});

describe('datadogChecks', () => {
  it('passes a valid key and fails a refused one, never showing the key', () => {
    expect(
      datadogChecks({ configured: true, endpoint: 'https://api.datadoghq.eu', check: { kind: 'valid' } }),
    ).toMatchObject([{ ok: true, subject: 'https://api.datadoghq.eu' }]);
    const [refused] = datadogChecks({
      configured: true,
      endpoint: 'https://api.datadoghq.com',
      check: { kind: 'invalid', status: 403 },
    });
    expect(refused).toMatchObject({ ok: false, detail: 'refused (HTTP 403)' });
    expect(refused!.fix!.text).toContain('DD_SITE must be the site');
  });
});

describe('report', () => {
  it('numbers each ✘, prints a fix shared by several checks once, and exits 1', () => {
    const quiet = { latestLog: ok(null), read: null, latestDigest: null };
    const base = observed({}, { logFileValidation: false });
    const checks = trailChecks(
      {
        ...base,
        bucket: {
          ...base.bucket,
          regions: [
            { region: 'eu-west-1', ...quiet },
            { region: 'us-east-1', ...quiet },
          ],
        },
      },
      queueSource,
    );
    const text = formatDoctorReport(checks);
    expect(text).toMatch(/^✘ 2 +bucket +org-trail-bucket +recent log file eu-west-1 /m);
    expect(text).toContain('✘ 3  bucket org-trail-bucket: recent log file us-east-1\n   the same fix as ✘ 2');
    expect(text).toContain('"Sid": "AWSCloudTrailWrite"');
    expect(text.trimEnd().split('\n').at(-1)).toBe(`${checks.length - 3} passed, 3 failed`);
    expect(JSON.parse(doctorJson(checks))).toMatchObject({ failed: 3, passed: checks.length - 3 });
    expect(doctorExitCode(checks)).toBe(1);
    expect(doctorExitCode(checks.filter((check) => check.ok))).toBe(0);
  });
});

describe('sourceRoleChecks', () => {
  const roleArn = 'arn:aws:iam::444455556666:role/trailstream-reader';
  const role = (assumed: AwsOutcome<string>, externalIdSet = true): SourceRoleObservation => ({
    roleArn,
    sessionName: 'trailstream-discovery',
    stsRegion: 'eu-west-1',
    externalIdSet,
    sources: ['s3://org-trail'],
    caller: ok('arn:aws:sts::111122223333:assumed-role/trailstream-discovery/botocore-session-1'),
    assumed,
  });

  it('passes a role assumed, naming who its credentials are', () => {
    const assumedArn = 'arn:aws:sts::444455556666:assumed-role/trailstream-reader/trailstream-discovery';
    expect(sourceRoleChecks([role(ok(assumedArn))])).toMatchObject([
      {
        ok: true,
        area: 'role',
        subject: roleArn,
        name: 'assume for s3://org-trail',
        detail: `as ${assumedArn} (STS in eu-west-1)`,
      },
    ]);
  });

  it('fails a refused role with the trust policy statement (external id as a placeholder) and the permission', () => {
    const refused: AwsOutcome<string> = {
      ok: false,
      failure: { kind: 'denied', message: 'AccessDenied: not authorized to perform: sts:AssumeRole' },
      call: { permission: 'sts:AssumeRole', resource: roleArn },
    };
    const [check] = sourceRoleChecks([role(refused)]);
    expect(check).toMatchObject({ ok: false, detail: expect.stringMatching(/^sts:AssumeRole refused/) });
    expect(check?.fix?.text).toMatch(
      /trust policy must let arn:aws:iam::111122223333:role\/trailstream-discovery/,
    );
    expect(check?.fix?.text).toMatch(/sts:ExternalId/);
    expect(check?.fix?.statement).toEqual([
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:role/trailstream-discovery' },
        Action: 'sts:AssumeRole',
        Condition: { StringEquals: { 'sts:ExternalId': '<the external id in the externalIdFile>' } },
      },
      { Effect: 'Allow', Action: ['sts:AssumeRole'], Resource: [roleArn] },
    ]);
    const [withoutId] = sourceRoleChecks([role(refused, false)]);
    expect(withoutId?.fix?.text).toMatch(/no externalIdFile is set/);
    const [trust] = (withoutId?.fix?.statement ?? []) as { Condition?: unknown }[];
    expect(trust).toMatchObject({ Action: 'sts:AssumeRole' });
    expect(trust?.Condition).toBeUndefined();
  });

  it('names the role a caller acts through, and leaves users as they are', () => {
    expect(principalArn('arn:aws:sts::111122223333:assumed-role/ops/jane')).toBe(
      'arn:aws:iam::111122223333:role/ops',
    );
    expect(principalArn('arn:aws:iam::123456789012:user/moto')).toBe('arn:aws:iam::123456789012:user/moto');
  });
});
