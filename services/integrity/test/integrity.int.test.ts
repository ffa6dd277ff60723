import { createHash } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { digestRefKey, parseDigestKey } from '@trailstream/cloudtrail';
import {
  type DatadogOutput,
  datadogOutputContract,
  logFileHashMessage,
  type MessageHeaders,
  objectRefContract,
} from '@trailstream/schemas';
import {
  type CollectedMessage,
  cloudTrailKey,
  collectFor,
  collectMessages,
  createDigestSigningKey,
  createTestBucket,
  createTestTopics,
  digestTrail,
  publicKeysFile,
  putTrailObjects,
  type ServiceProcess,
  startServiceProcess,
  type TrailBucketObject,
  testKafka,
  testS3,
  uniqueName,
} from '@trailstream/testkit';
import type { Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const kafka = testKafka();
const s3 = testS3();
const signingKey = createDigestSigningKey();
const start = new Date('2026-11-30T10:00:00Z');
let producer: Producer;
let topics: Record<'digests' | 'hashes' | 'chains' | 'datadog' | 'dlq', string>;
let env: Record<string, string>;
let service: ServiceProcess | undefined;

beforeAll(async () => {
  topics = await createTestTopics(kafka, {
    digests: { partitions: 2 },
    hashes: { partitions: 2, compacted: true },
    chains: { partitions: 2, compacted: true },
    datadog: { partitions: 1 },
    dlq: { partitions: 1 },
  });
  const folder = await mkdtemp(join(tmpdir(), 'integrity-'));
  const keysFile = join(folder, 'public-keys.json');
  await writeFile(keysFile, publicKeysFile([signingKey], start, new Date('2027-01-01T00:00:00Z')));
  producer = kafka.producer();
  await producer.connect();
  env = {
    TOPIC_DIGESTS: topics.digests,
    TOPIC_LOG_FILE_HASHES: topics.hashes,
    TOPIC_INTEGRITY_CHAINS: topics.chains,
    TOPIC_DATADOG: topics.datadog,
    TOPIC_DLQ: topics.dlq,
    PUBLIC_KEYS_FILE: keysFile,
    KAFKA_GROUP_ID: uniqueName('integrity'),
    TRANSACTIONAL_ID_PREFIX: uniqueName('integrity-tx'),
  };
});

afterAll(async () => {
  await service?.stop();
  await producer?.disconnect();
});

async function startIntegrity(extra: Record<string, string> = {}): Promise<ServiceProcess> {
  const started = startServiceProcess('integrity', { ...env, ...extra });
  await started.waitForOutput(/integrity state restored/, 90_000);
  return started;
}

/** What fetcher-parser publishes for a file it streamed: the SHA-256 of the object's inflated bytes. */
async function publishHashes(bucket: string, files: readonly TrailBucketObject[]): Promise<void> {
  await producer.send({
    topic: topics.hashes,
    messages: files.map((file) =>
      logFileHashMessage({
        bucket,
        key: file.key,
        sha256: createHash('sha256').update(gunzipSync(file.body)).digest('hex'),
        bytes: gunzipSync(file.body).length,
        hashedAt: Date.now(),
      }),
    ),
  });
}

/** What discovery sends for a digest: its reference, keyed by the account × region folder. */
async function sendDigestRefs(bucket: string, digests: readonly TrailBucketObject[]): Promise<void> {
  await producer.send({
    topic: topics.digests,
    messages: digests.map((digest) => ({
      key: digestRefKey(parseDigestKey(digest.key)!.stream),
      ...objectRefContract.encode({
        bucket,
        key: digest.key,
        region: 'us-east-1',
        size: digest.body.length,
        etag: null,
        foundBy: 'sqs',
        discoveredAt: Date.now(),
        sequencer: null,
        versionId: null,
      }),
    })),
  });
}

const eventOf = (message: CollectedMessage): DatadogOutput =>
  datadogOutputContract.decode(message.value!, message.headers as MessageHeaders);
const tagged = (messages: CollectedMessage[], prefix: string) =>
  messages.map(eventOf).flatMap((output) => output.event?.tags.filter((tag) => tag.startsWith(prefix)) ?? []);

describe('the integrity stage against real Kafka and S3', () => {
  it('reports a tampered, a deleted, an injected log file and a missing digest once each, and a new stream once', async () => {
    const bucket = await createTestBucket(s3, 'integrity');
    const built = digestTrail({
      bucket,
      accountId: '111122223333',
      region: 'eu-west-1',
      trailName: 'management-events',
      start,
      hours: 4,
      logFilesPerHour: 2,
      signingKey,
    });
    await putTrailObjects(s3, bucket, [...built.logFiles.flat(), ...built.digests]);
    const tampered = { key: built.logFiles[0]![1]!.key, body: built.logFiles[0]![0]!.body };
    const deleted = built.logFiles[1]![0]!;
    const injected = {
      key: tampered.key.replace(/_[0-9a-f]{16}\.json\.gz$/, '_Injected00000000.json.gz'),
      body: built.logFiles[0]![0]!.body,
    };
    const lostDigest = built.digests[2]!;
    await putTrailObjects(s3, bucket, [tampered, injected]);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: deleted.key }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: lostDigest.key }));
    // Fetcher-parser hashed what it read (the tampered content) and never saw the deleted file; one file's
    // hash is not published yet, so the stage reads that file itself.
    const present = [
      ...built.logFiles.flat().filter((f) => f.key !== deleted.key && f.key !== tampered.key),
      tampered,
      injected,
    ];
    const notYetHashed = built.logFiles[3]![0]!.key;
    await publishHashes(
      bucket,
      present.filter((f) => f.key !== notYetHashed),
    );

    service = await startIntegrity();
    await sendDigestRefs(bucket, built.digests);
    const expected = ['digest-missing', 'log-file-missing', 'log-file-modified', 'log-file-unlisted'];
    const events = await collectMessages(kafka, topics.datadog, {
      until: (all) => tagged(all, 'finding:').length >= expected.length,
      timeoutMs: 60_000,
    });
    const findings = events.map(eventOf).filter((output) => output.event?.alertType === 'error');
    expect(tagged(events, 'finding:').sort()).toEqual(expected.map((kind) => `finding:${kind}`));
    const objectOf = (kind: string) =>
      findings.find((output) => output.event!.tags.includes(`finding:${kind}`))!.event!.text.split('\n')[0];
    expect(objectOf('digest-missing')).toContain(lostDigest.key);
    expect(objectOf('log-file-missing')).toContain(deleted.key);
    expect(objectOf('log-file-modified')).toContain(tampered.key);
    expect(objectOf('log-file-unlisted')).toContain(injected.key);
    for (const output of findings) {
      expect(output.event!.tags.filter((tag) => !tag.startsWith('finding:'))).toEqual([
        'account:111122223333',
        'region:eu-west-1',
      ]);
    }
    expect(tagged(events, 'stream_event:')).toEqual(['stream_event:new']);
  });

  it('after a restart, a digest delivered again reports nothing again', async () => {
    await service!.stop();
    service = await startIntegrity();
    const before = (await collectFor(kafka, topics.datadog, 500)).length;
    const bucket = (await collectFor(kafka, topics.chains, 500))
      .map((m) => JSON.parse(m.value!.toString()) as { link: { bucket: string; key: string } })
      .at(-1)!.link;
    await sendDigestRefs(bucket.bucket, [{ key: bucket.key, body: Buffer.alloc(0) }]);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect((await collectFor(kafka, topics.datadog, 1_000)).length).toBe(before);
    expect(service.output.join('\n')).not.toMatch(/integrity finding/);
  });

  it('raises one silent event for a stream with neither digest nor log file for the window, and one recovery', async () => {
    await service!.stop();
    // The trail above was delivered days ago: nothing since, so the stream is silent.
    service = await startIntegrity({ SILENCE_CHECK_SECONDS: '1' });
    const streamEvents = async (wanted: number) =>
      tagged(
        await collectMessages(kafka, topics.datadog, {
          until: (all) => tagged(all, 'stream_event:').length >= wanted,
          timeoutMs: 30_000,
        }),
        'stream_event:',
      );
    expect(await streamEvents(2)).toEqual(['stream_event:new', 'stream_event:silent']);

    const bucket = (await collectFor(kafka, topics.chains, 500))
      .map((m) => JSON.parse(m.value!.toString()) as { link: { bucket: string } })
      .at(-1)!.link.bucket;
    const fresh = cloudTrailKey('111122223333', 'eu-west-1', new Date(), 'BackAgain0000000');
    await producer.send({
      topic: topics.hashes,
      messages: [
        logFileHashMessage({ bucket, key: fresh, sha256: 'ab'.repeat(32), bytes: 10, hashedAt: Date.now() }),
      ],
    });
    expect(await streamEvents(3)).toEqual([
      'stream_event:new',
      'stream_event:silent',
      'stream_event:recovered',
    ]);
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(tagged(await collectFor(kafka, topics.datadog, 1_000), 'stream_event:')).toHaveLength(3);
    const silent = (await collectFor(kafka, topics.datadog, 500))
      .map(eventOf)
      .find((output) => output.event?.tags.includes('stream_event:silent'))!;
    expect(silent.event).toMatchObject({
      title: 'CloudTrail stream silent: management-events in 111122223333 eu-west-1',
      alertType: 'error',
    });
  });
});
