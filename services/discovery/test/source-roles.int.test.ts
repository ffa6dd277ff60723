import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import {
  cloudTrailKey,
  collectFor,
  collectMessages,
  createTestBucket,
  createTestQueue,
  createTestTopics,
  eventually,
  type StsTrustProxy,
  startStsTrustProxy,
  testKafka,
  testS3,
  uniqueName,
} from '@trailstream/testkit';
import { assumeRoleProvider, SourceCredentials, type SourceRoles } from '@trailstream/trail-bucket';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAwsClients } from '../src/aws-clients.js';
import { decodeRefs, startTestDiscovery, type TestDiscovery } from './discovery-harness.js';

const { awsEndpoint, awsRegion } = inject('endpoints');
const kafka = testKafka();
const s3 = testS3();
const base = { accessKeyId: 'test', secretAccessKey: 'test' };
const logArchiveReader = 'arn:aws:iam::444455556666:role/trailstream-log-archive-reader';
const externalId = 'o-abcdefghij-trailstream';
const running: TestDiscovery[] = [];
let proxy: StsTrustProxy;

beforeAll(async () => {
  proxy = await startStsTrustProxy({ target: awsEndpoint, trust: { [logArchiveReader]: externalId } });
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((discovery) => discovery.stop()));
});
afterAll(() => proxy.close());

function secretFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'discovery-role-')), 'external-id');
  writeFileSync(path, text);
  return path;
}

/** Discovery as main.ts builds it from `env`, its AWS and STS calls through the trust proxy. */
async function start(env: Record<string, string>): Promise<TestDiscovery> {
  const aws = (roles: SourceRoles) =>
    createAwsClients(
      { AWS_REGION: awsRegion, S3_FORCE_PATH_STYLE: true, endpoint: proxy.url, credentials: base },
      new SourceCredentials(roles, { endpoint: proxy.url, credentials: base }),
    );
  const discovery = await startTestDiscovery(env, { aws });
  running.push(discovery);
  return discovery;
}

async function setup() {
  const topics = await createTestTopics(kafka, {
    objects: {},
    digests: {},
    dlq: {},
    checkpoints: { compacted: true },
  });
  return {
    topics,
    env: {
      POLL_INTERVAL_SECONDS: '1',
      POLL_CHECKPOINT_TOPIC: topics.checkpoints,
      KAFKA_GROUP_ID: uniqueName('poll-group'),
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      TOPIC_OBJECTS: topics.objects,
      TOPIC_DIGESTS: topics.digests,
      TOPIC_DLQ: topics.dlq,
    },
  };
}

const signers = (match: (path: string) => boolean) =>
  new Set(proxy.requests.filter((request) => match(request.path)).map((request) => request.accessKeyId));

describe('discovery with cross-account sources (SOURCE_ROLES) against moto STS', () => {
  it('lists a bucket and receives from a queue with the roles they name; other sources with its own credentials', async () => {
    const { topics, env } = await setup();
    const archive = await createTestBucket(s3, 'log-archive');
    const own = await createTestBucket(s3, 'own-trail');
    // The queue lives in the log-archive account: moto keeps each account's queues apart by access key.
    const archiveSqs = new SQSClient({
      endpoint: awsEndpoint,
      region: awsRegion,
      credentials: assumeRoleProvider(
        new STSClient({ endpoint: awsEndpoint, region: awsRegion, credentials: base }),
        {
          roleArn: logArchiveReader,
          externalId,
          sessionName: 'test-setup',
          stsRegion: awsRegion,
          durationSeconds: 900,
        },
      ),
    });
    const queue = await createTestQueue(archiveSqs, 'log-archive');
    expect(queue.url).toContain('/444455556666/');
    const key = cloudTrailKey('111122223333', 'us-east-1', new Date(Date.now() - 120_000), 'x');
    await s3.send(new PutObjectCommand({ Bucket: archive, Key: key, Body: '{"Records":[]}' }));
    const queued = `AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/15/111122223333_CloudTrail_us-east-1_20240115T1200Z_q.json.gz`;
    await archiveSqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: JSON.stringify({ s3Bucket: archive, s3ObjectKey: [queued] }),
      }),
    );
    const idFile = secretFile(externalId);
    await start({
      ...env,
      POLL_SOURCES: `${archive},${own}`,
      SQS_QUEUE_URLS: queue.url,
      SOURCE_ROLES: JSON.stringify([
        { bucket: archive, roleArn: logArchiveReader, externalIdFile: idFile },
        {
          queueUrl: queue.url,
          roleArn: logArchiveReader,
          externalIdFile: idFile,
          sessionName: 'trailstream-sqs',
        },
      ]),
    });

    const refs = decodeRefs(await collectMessages(kafka, topics.objects, { until: (m) => m.length >= 2 }));
    expect(refs.map((ref) => ref.key).sort()).toEqual([key, queued].sort());
    const sessions = proxy.assumeRoleCalls.filter(
      (call) => call.roleArn === logArchiveReader && call.allowed,
    );
    expect(new Set(sessions.map((call) => call.sessionName))).toEqual(
      new Set(['trailstream-discovery', 'trailstream-sqs']),
    );
    const archiveSigners = signers((path) => path.startsWith(`/${archive}`));
    expect(archiveSigners.size).toBe(1);
    expect(archiveSigners.has(base.accessKeyId)).toBe(false);
    await eventually(() => signers((path) => path.startsWith(`/${own}`)).size > 0);
    expect(signers((path) => path.startsWith(`/${own}`))).toEqual(new Set([base.accessKeyId]));
  });

  it('a role whose trust the external id does not meet: no crash, tried again every cycle, nothing listed', async () => {
    const { topics, env } = await setup();
    const archive = await createTestBucket(s3, 'log-archive');
    const key = cloudTrailKey('111122223333', 'us-east-1', new Date(Date.now() - 120_000), 'y');
    await s3.send(new PutObjectCommand({ Bucket: archive, Key: key, Body: '{"Records":[]}' }));
    const discovery = await start({
      ...env,
      POLL_SOURCES: archive,
      SOURCE_ROLES: JSON.stringify([
        { bucket: archive, roleArn: logArchiveReader, externalIdFile: secretFile('not-the-external-id') },
      ]),
    });
    const refused = () =>
      proxy.assumeRoleCalls.filter((call) => call.roleArn === logArchiveReader && !call.allowed).length;
    const before = refused();
    await eventually(() => refused() >= before + 2, { timeoutMs: 30_000 });
    expect(await discovery.isReady()).toBe(true);
    expect(decodeRefs(await collectFor(kafka, topics.objects, 1_000))).toEqual([]);
    expect(signers((path) => path.startsWith(`/${archive}`)).size).toBe(0);
  });
});
