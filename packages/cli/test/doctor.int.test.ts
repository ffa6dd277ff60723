import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CloudTrailClient,
  CreateTrailCommand,
  StartLoggingCommand,
  StopLoggingCommand,
} from '@aws-sdk/client-cloudtrail';
import { DeleteBucketCommand, PutBucketPolicyCommand } from '@aws-sdk/client-s3';
import { topology } from '@trailstream/runtime';
import {
  createDigestSigningKey,
  createTestBucket,
  createTestQueue,
  type DatadogIntake,
  digestTrail,
  notifyQueueOnObjectCreated,
  putTrailObjects,
  serviceEnvironment,
  startDatadogIntake,
  startStsTrustProxy,
  type TestQueue,
  testKafka,
  testS3,
  testSqs,
  uniqueName,
} from '@trailstream/testkit';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from './run-cli.js';

const cliBin = join(dirname(fileURLToPath(import.meta.url)), '../bin/trailstream.mjs');
const s3 = testS3();
const sqs = testSqs();
const signingKey = createDigestSigningKey();
// moto puts every resource in this account unless the access key names another.
const accountId = '123456789012';
const validKey = 'doctor-test-key-0123456789abcdef';
let intake: DatadogIntake;
let queue: TestQueue;

function cloudTrail(region: string): CloudTrailClient {
  const { awsEndpoint } = inject('endpoints');
  return new CloudTrailClient({
    endpoint: awsEndpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
}

/**
 * A bucket written as CloudTrail writes it (two hours of log files and signed digests, up to an hour ago)
 * and a multi-region trail homed in `region` delivering to it, logging.
 */
async function trailWithBucket(region: string, label: string, prefix = '') {
  const bucket = await createTestBucket(s3, `doctor-${label}`);
  const name = uniqueName(`doctor-${label}`);
  const start = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000);
  const built = digestTrail({
    bucket,
    accountId,
    region,
    trailName: name,
    start,
    hours: 2,
    logFilesPerHour: 1,
    signingKey,
    ...(prefix ? { prefix: `${prefix}/` } : {}),
  });
  await putTrailObjects(s3, bucket, [...built.logFiles.flat(), ...built.digests]);
  const client = cloudTrail(region);
  const { TrailARN } = await client.send(
    new CreateTrailCommand({
      Name: name,
      S3BucketName: bucket,
      IsMultiRegionTrail: true,
      EnableLogFileValidation: true,
      ...(prefix ? { S3KeyPrefix: prefix } : {}),
    }),
  );
  await client.send(new StartLoggingCommand({ Name: TrailARN }));
  return { bucket, name, arn: TrailARN!, client };
}

/** Every topic of the topology under a name of this run's own, created by `trailstream topics` as an operator would. */
async function createTopics(label: string) {
  const names = Object.fromEntries(
    Object.values(topology).map(({ variable }) => [
      variable,
      uniqueName(`doctor-${label}-${variable.toLowerCase()}`),
    ]),
  );
  const env = { ...names, TOPIC_PARTITIONS: '2', POLL_CHECKPOINT_PARTITIONS: '2' };
  expect((await runCli(['topics'], env)).code).toBe(0);
  return { names, env };
}

/** Rows of the table: `✔`/`✘ n`, area, subject, check, detail, split on the two-space column gaps. */
function failedRows(stdout: string): string[][] {
  return stdout
    .split('\nHow to fix:')[0]!
    .split('\n')
    .filter((line) => /^✘ \d+ /.test(line))
    .map((line) => line.split(/ {2,}/).slice(1));
}

beforeAll(async () => {
  intake = await startDatadogIntake({ apiKeys: [validKey] });
  queue = await createTestQueue(sqs, 'doctor-discovery');
});

afterAll(async () => {
  await intake?.close();
});

describe('trailstream doctor against moto, Kafka and the recording Datadog intake', () => {
  it('passes a region set up right: trail, bucket, notification to the queue, topics, Datadog key; exit 0', async () => {
    const { names: topicsEnv, env: kafkaEnv } = await createTopics('right');
    const trail = await trailWithBucket('eu-west-1', 'right', 'audit');
    await notifyQueueOnObjectCreated(s3, sqs, trail.bucket, queue);

    const result = await runCli(['doctor', '--regions', 'eu-west-1', '--trail', trail.name], {
      ...kafkaEnv,
      SQS_QUEUE_URLS: queue.url,
      DD_URL: intake.url,
      DD_API_KEY: validKey,
    });
    expect(result.stderr).not.toMatch(/Error|trailstream:/);
    expect(failedRows(result.stdout)).toEqual([]);
    expect(result.code).toBe(0);
    for (const row of [
      /^✔ +region +eu-west-1 +logged by a trail +doctor-right-/m,
      /^✔ +trail .* +logging +on, last delivery /m,
      /^✔ +trail .* +log file validation +on: hourly signed digests$/m,
      new RegExp(`^✔ +bucket +${trail.bucket} +list audit/AWSLogs/ +allowed$`, 'm'),
      /^✔ +bucket .* +recent log file eu-west-1 +123456789012_CloudTrail_eu-west-1_/m,
      /^✔ +bucket .* +read log file eu-west-1 +read$/m,
      /^✔ +bucket .* +recent digest eu-west-1 +123456789012_CloudTrail-Digest_eu-west-1_/m,
      new RegExp(
        `^✔ +discovery .* +reaches discovery \\(${trail.name}\\) +S3 notifies ${queue.arn} on s3:ObjectCreated:\\*$`,
        'm',
      ),
      new RegExp(
        `^✔ +kafka +${topicsEnv.TOPIC_SEEN_OBJECTS} +topic +partitions=2 .*cleanup.policy=compact,delete`,
        'm',
      ),
      /^✔ +datadog +http:\/\/127\.0\.0\.1:\d+ +API key valid +accepted$/m,
    ]) {
      expect(result.stdout).toMatch(row);
    }
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/^\d+ passed, 0 failed$/);
  });

  it('fails a region whose trail stopped logging, with the command that starts it', async () => {
    const trail = await trailWithBucket('ap-southeast-2', 'stopped');
    await trail.client.send(new StopLoggingCommand({ Name: trail.arn }));
    const result = await runCli(
      ['doctor', '--regions', 'ap-southeast-2', '--trail', trail.name, '--skip', 'kafka,datadog'],
      { POLL_SOURCES: trail.bucket },
    );
    expect(result.code).toBe(1);
    expect(
      failedRows(result.stdout).map(([area, , check, detail]) => [
        area,
        check,
        detail?.replace(/ since .*/, ''),
      ]),
    ).toEqual([
      ['region', 'logged by a trail', `${trail.name} is not logging`],
      ['trail', 'logging', 'off'],
    ]);
    expect(result.stdout).toContain(
      `$ aws cloudtrail start-logging --name ${trail.arn} --region ap-southeast-2`,
    );
  });

  it('fails a bucket that notifies no configured queue, with the notification to add; POLL_SOURCES fixes it; REGIONS_DENY drops it', async () => {
    const trail = await trailWithBucket('us-west-2', 'unwired');
    const env = { SQS_QUEUE_URLS: queue.url };
    const args = ['doctor', '--regions', 'us-west-2', '--trail', trail.name, '--skip', 'kafka,datadog'];
    const unwired = await runCli(args, env);
    expect(unwired.code).toBe(1);
    expect(failedRows(unwired.stdout)).toEqual([
      [
        'discovery',
        trail.bucket,
        `reaches discovery (${trail.name})`,
        `no notification of new objects under AWSLogs/ to ${queue.arn}, and not in POLL_SOURCES`,
      ],
    ]);
    expect(unwired.stdout).toContain(
      `$ aws s3api put-bucket-notification-configuration --bucket ${trail.bucket} --notification-configuration '{"QueueConfigurations":[{"QueueArn":"${queue.arn}","Events":["s3:ObjectCreated:*"],"Filter":{"Key":{"FilterRules":[{"Name":"prefix","Value":"AWSLogs/"}]}}}]}'`,
    );
    const polled = await runCli(args, { ...env, POLL_SOURCES: trail.bucket });
    expect(failedRows(polled.stdout)).toEqual([]);
    expect(polled.code).toBe(0);
    const denied = await runCli(args, { ...env, POLL_SOURCES: trail.bucket, REGIONS_DENY: 'us-west-2' });
    expect(failedRows(denied.stdout)).toEqual([
      [
        'discovery',
        trail.bucket,
        `kept by discovery's filters (${trail.name})`,
        'region us-west-2 dropped by REGIONS_ALLOW / REGIONS_DENY',
      ],
    ]);
  });

  it('fails a bucket the credentials cannot read, naming s3:GetObject, and a bucket that is gone', async () => {
    const unreadable = await trailWithBucket('eu-central-1', 'unreadable');
    // moto evaluates a bucket policy's Deny on GetObject (not on ListBucket, and it enforces no IAM
    // identity policies nor other accounts' buckets): the nearest it has to credentials that cannot read.
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: unreadable.bucket,
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Deny',
              Principal: '*',
              Action: 's3:GetObject',
              Resource: `arn:aws:s3:::${unreadable.bucket}/*`,
            },
          ],
        }),
      }),
    );
    // A trail whose bucket was deleted after it was created (moto, like AWS, refuses a trail to no bucket).
    const goneBucket = await createTestBucket(s3, 'doctor-gone');
    const goneTrail = uniqueName('doctor-gone');
    await unreadable.client.send(
      new CreateTrailCommand({
        Name: goneTrail,
        S3BucketName: goneBucket,
        IsMultiRegionTrail: true,
        EnableLogFileValidation: true,
      }),
    );
    await unreadable.client.send(new StartLoggingCommand({ Name: goneTrail }));
    await s3.send(new DeleteBucketCommand({ Bucket: goneBucket }));

    const result = await runCli(
      [
        'doctor',
        '--regions',
        'eu-central-1',
        '--trail',
        `${unreadable.name},${goneTrail}`,
        '--skip',
        'kafka,datadog',
      ],
      { POLL_SOURCES: `${unreadable.bucket},${goneBucket}` },
    );
    expect(result.code).toBe(1);
    const rows = failedRows(result.stdout);
    expect(rows.map(([area, subject, check]) => [area, subject, check]).sort()).toEqual(
      [
        ['bucket', unreadable.bucket, 'read log file eu-central-1'],
        ['bucket', goneBucket, 'location'],
        ['bucket', goneBucket, 'list AWSLogs/'],
      ].sort(),
    );
    const detail = (bucket: string, check: string) =>
      rows.find((row) => row[1] === bucket && row[2] === check)?.[3];
    expect(detail(unreadable.bucket, 'read log file eu-central-1')).toBe('s3:GetObject denied (HTTP 403)');
    expect(detail(goneBucket, 'location')).toMatch(/^NoSuchBucket: /);
    expect(result.stdout).toContain(
      [
        '   {',
        '     "Effect": "Allow",',
        '     "Action": [',
        '       "s3:GetObject"',
        '     ],',
        '     "Resource": [',
        `       "arn:aws:s3:::${unreadable.bucket}/AWSLogs/*"`,
      ].join('\n'),
    );
  });

  it('fails a topic that is missing and one whose settings drifted from the topology; and Kafka that does not answer', async () => {
    const { names, env } = await createTopics('drift');
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: kafkajs.ConfigResourceTypes.TOPIC,
            name: names.TOPIC_OBJECTS!,
            configEntries: [{ name: 'retention.ms', value: '3600000' }],
          },
        ],
      });
    } finally {
      await admin.disconnect();
    }
    const missing = uniqueName('doctor-never-created');
    const result = await runCli(['doctor', '--skip', 'aws,datadog'], {
      ...env,
      TOPIC_INTEGRITY_CHAINS: missing,
    });
    expect(result.code).toBe(1);
    expect(failedRows(result.stdout)).toEqual([
      ['kafka', names.TOPIC_OBJECTS, 'topic', 'retention.ms=3600000, planned 604800000'],
      ['kafka', missing, 'topic', 'missing (state of integrity)'],
    ]);
    expect(result.stdout).toContain(
      `$ kafka-configs.sh --bootstrap-server ${inject('endpoints').kafkaBrokers[0]} --alter --entity-type topics --entity-name ${names.TOPIC_OBJECTS} --add-config retention.ms=[604800000]`,
    );

    // Against a doctor run that checks nothing, started alongside: what --kafka-timeout bounds is the
    // wait for Kafka, not the CLI's start-up, which a loaded machine stretches.
    const [away, baseline] = await Promise.all([
      runCli(['doctor', '--skip', 'aws,datadog', '--kafka-timeout', '3'], { KAFKA_BROKERS: '127.0.0.1:1' }),
      runCli(['doctor', '--skip', 'aws,kafka,datadog']),
    ]);
    expect(away.code).toBe(1);
    expect(failedRows(away.stdout)).toEqual([['kafka', '127.0.0.1:1', 'reachable', expect.any(String)]]);
    expect(away.elapsedMs - baseline.elapsedMs).toBeLessThan(15_000);
  });

  it('fails a Datadog key the site refuses (403 as Datadog answers it) without printing the key', async () => {
    const wrongKey = 'doctor-wrong-key-fedcba9876543210';
    const result = await runCli(['doctor', '--skip', 'aws,kafka'], {
      DD_URL: intake.url,
      DD_API_KEY: wrongKey,
    });
    expect(result.code).toBe(1);
    expect(failedRows(result.stdout)).toEqual([
      ['datadog', intake.url, 'API key valid', 'refused (HTTP 403)'],
    ]);
    const json = await runCli(['doctor', '--skip', 'aws,kafka', '--json'], {
      DD_URL: intake.url,
      DD_API_KEY: wrongKey,
    });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      passed: 0,
      failed: 1,
      checks: [{ area: 'datadog', ok: false }],
    });
    for (const output of [result.stdout, result.stderr, json.stdout, json.stderr])
      expect(output).not.toContain(wrongKey);
    const noKey = await runCli(['doctor', '--skip', 'aws,kafka'], { DD_URL: intake.url });
    expect(failedRows(noKey.stdout)).toEqual([
      ['datadog', 'DD_API_KEY', 'API key valid', 'DD_API_KEY or DD_API_KEY_FILE is required'],
    ]);
  });

  it('assumes each SOURCE_ROLES role (✔ with the assumed ARN) and reads its bucket with it; a refused external id fails with the trust policy to set', async () => {
    const roleArn = 'arn:aws:iam::444455556666:role/trailstream-doctor-reader';
    const externalId = 'o-doctor-external-id-42';
    const proxy = await startStsTrustProxy({
      target: inject('endpoints').awsEndpoint,
      trust: { [roleArn]: externalId },
    });
    try {
      const trail = await trailWithBucket('us-east-2', 'role');
      const idFile = (text: string) => {
        const path = join(mkdtempSync(join(tmpdir(), 'doctor-role-')), 'external-id');
        writeFileSync(path, text);
        return path;
      };
      const args = ['doctor', '--regions', 'us-east-2', '--trail', trail.name, '--skip', 'kafka,datadog'];
      const env = (file: string) => ({
        // Every AWS call through the proxy: it enforces the role's trust and records who signed what.
        AWS_ENDPOINT_URL: proxy.url,
        POLL_SOURCES: trail.bucket,
        SOURCE_ROLES: JSON.stringify([{ bucket: trail.bucket, roleArn, externalIdFile: file }]),
      });

      const trusted = await runCli(args, env(idFile(externalId)));
      expect(failedRows(trusted.stdout)).toEqual([]);
      expect(trusted.code).toBe(0);
      expect(trusted.stdout).toMatch(
        new RegExp(
          `^✔ +role +${roleArn} +assume for s3://${trail.bucket} +as arn:aws:sts::444455556666:assumed-role/trailstream-doctor-reader/trailstream-discovery \\(STS in us-east-1\\)$`,
          'm',
        ),
      );
      expect(trusted.stdout).toMatch(/^✔ +bucket .* +read log file us-east-2 +read$/m);
      const bucketSigners = new Set(
        proxy.requests
          .filter((request) => request.path.startsWith(`/${trail.bucket}`))
          .map((request) => request.accessKeyId),
      );
      expect(bucketSigners.size).toBe(1);
      expect(bucketSigners.has('test')).toBe(false);

      const wrongId = 'not-the-external-id';
      const refused = await runCli(args, env(idFile(wrongId)));
      expect(refused.code).toBe(1);
      const roleRow = failedRows(refused.stdout).find(([area]) => area === 'role');
      expect(roleRow?.slice(0, 3)).toEqual(['role', roleArn, `assume for s3://${trail.bucket}`]);
      expect(roleRow?.[3]).toMatch(/^sts:AssumeRole refused \(AccessDenied: /);
      // moto names its base user arn:aws:sts::…:user/moto (AWS: arn:aws:iam::…); the fix names what it is told.
      expect(refused.stdout).toMatch(
        /in account 444455556666, the role's trust policy must let arn:aws:\w+::123456789012:user\/moto assume it with sts:ExternalId/,
      );
      expect(refused.stdout).toContain('"sts:ExternalId": "<the external id in the externalIdFile>"');
      for (const output of [refused.stdout, refused.stderr, trusted.stdout, trusted.stderr]) {
        expect(output).not.toContain(externalId);
        expect(output).not.toContain(wrongId);
      }
    } finally {
      await proxy.close();
    }
  });

  it('explains what is wrong with its arguments (exit 2), and has --help', async () => {
    const help = await runCli(['doctor', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--regions <list>');
    const cases: [string[], string][] = [
      [
        ['--regions', 'mars-1'],
        '--regions expects all or region names such as us-east-1,eu-west-1, got "mars-1"',
      ],
      [['--skip', 'everything'], '--skip expects some of aws, kafka, datadog, got "everything"'],
      [['--kafka-timeout', '0'], '--kafka-timeout expects a positive whole number, got "0"'],
      [['us-east-1'], 'unexpected argument "us-east-1"'],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(['doctor', ...args])));
    expect(results.map((result) => [result.code, result.stderr])).toEqual(
      cases.map(([, message]) => [2, `trailstream: ${message}\n`]),
    );
  }, 240_000);
});

/**
 * Runs the CLI as `trailstream … | slow-reader` does: into a shell pipe (64 KiB, unlike the larger socket
 * pair Node's own child stdio is) whose reader starts only after a pause.
 */
function runIntoSlowPipe(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string }> {
  const command = `"$0" "$1" ${args.map((arg) => `'${arg}'`).join(' ')} | { sleep 3; cat; }; exit "\${PIPESTATUS[0]}"`;
  return new Promise((resolve) => {
    execFile(
      'bash',
      ['-c', command, process.execPath, cliBin],
      { env: { PATH: process.env.PATH ?? '', ...serviceEnvironment(), ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout) => resolve({ code: error ? Number(error.code) : 0, stdout }),
    );
  });
}

describe('trailstream doctor --regions all', () => {
  it('writes its whole report into a pipe before it exits, however long (every region, as JSON)', async () => {
    const trail = await trailWithBucket('sa-east-1', 'all-regions');
    const result = await runIntoSlowPipe(
      ['doctor', '--trail', trail.name, '--skip', 'kafka,datadog', '--json'],
      {
        POLL_SOURCES: trail.bucket,
      },
    );
    expect(result.stdout.length).toBeGreaterThan(65_536);
    const report = JSON.parse(result.stdout) as { checks: { area: string; ok: boolean }[] };
    const regions = report.checks.filter((check) => check.area === 'region');
    expect(regions.length).toBe(33);
    expect(regions.every((check) => check.ok)).toBe(true);
    // The trail's bucket holds files of sa-east-1 only: every other region has no recent file.
    expect(result.code).toBe(1);
  });
});
