import type { S3Client } from '@aws-sdk/client-s3';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  cloudTrailKey,
  collectFor,
  collectMessages,
  createTestBucket,
  createTestTopics,
  eventually,
  testKafka,
  testS3,
  uniqueName,
} from '@trailstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRefs, observedS3, startTestDiscovery, type TestDiscovery } from './discovery-harness.js';

const kafka = testKafka();
const s3 = testS3();
const running = new Set<TestDiscovery>();

afterEach(async () => {
  await Promise.all([...running].map((discovery) => discovery.stop()));
  running.clear();
});

const MINUTE = 60_000;
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * MINUTE);

async function put(bucket: string, key: string): Promise<string> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '{"Records":[]}' }));
  return key;
}

/** A digest's key: named `<account>_CloudTrail-Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHmmssZ>`. */
function digestKey(account: string, region: string, delivered: Date): string {
  const logKey = cloudTrailKey(account, region, delivered, 'digest');
  const stamp = /_(\d{8}T\d{4})Z_/.exec(logKey)![1];
  return logKey.replace(
    /[^/]+$/,
    `${account}_CloudTrail-Digest_${region}_trail_${region}_${stamp}00Z.json.gz`,
  );
}

async function pollSetup(checkpointPartitions: number) {
  const topics = await createTestTopics(kafka, {
    objects: { partitions: 2 },
    digests: { partitions: 2 },
    dlq: {},
    checkpoints: { partitions: checkpointPartitions, compacted: true },
  });
  const bucket = await createTestBucket(s3);
  const env = {
    POLL_SOURCES: bucket,
    POLL_INTERVAL_SECONDS: '1',
    POLL_LATENESS_MINUTES: '30',
    POLL_CHECKPOINT_TOPIC: topics.checkpoints,
    KAFKA_GROUP_ID: uniqueName('poll-group'),
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    TOPIC_OBJECTS: topics.objects,
    TOPIC_DIGESTS: topics.digests,
    TOPIC_DLQ: topics.dlq,
  };
  const start = async (clients: { s3?: S3Client } = {}) => {
    const discovery = await startTestDiscovery(env, clients);
    running.add(discovery);
    return discovery;
  };
  const stop = async (discovery: TestDiscovery) => {
    running.delete(discovery);
    await discovery.stop();
  };
  return { topics, bucket, start, stop };
}

describe('poll mode against the emulator and Kafka', () => {
  it('finds files in the window, catches one delivered late, skips digests, and resumes from its checkpoint', async () => {
    const { topics, bucket, start, stop } = await pollSetup(3);
    const account = '111122223333';
    const onTime = [
      await put(bucket, cloudTrailKey(account, 'us-east-1', minutesAgo(10), 'a')),
      await put(bucket, cloudTrailKey(account, 'us-east-1', minutesAgo(5), 'b')),
      // An organization trail, found by walking AWSLogs/<o-id>/.
      await put(
        bucket,
        cloudTrailKey('222233334444', 'eu-west-1', minutesAgo(7), 'c').replace(
          'AWSLogs/',
          'AWSLogs/o-abcdefghij/',
        ),
      ),
    ];
    // Digests are never object references (their own folder goes to the digests topic); a misplaced one
    // sorts outside the log folder's window.
    const digests = [
      await put(
        bucket,
        digestKey(account, 'us-east-1', minutesAgo(6)).replace('/CloudTrail/', '/CloudTrail-Digest/'),
      ),
      await put(bucket, digestKey(account, 'us-east-1', minutesAgo(6))),
    ];
    const beforeWindow = await put(bucket, cloudTrailKey(account, 'us-east-1', minutesAgo(50), 'old'));

    const first = await start();
    const found = await collectMessages(kafka, topics.objects, { until: (m) => m.length >= 3 });
    expect(
      decodeRefs(found)
        .map((ref) => ref.key)
        .sort(),
    ).toEqual([...onTime].sort());

    // Delivered now, named 20 minutes ago: after the 10-minute file was listed, but inside the window.
    const late = await put(bucket, cloudTrailKey(account, 'us-east-1', minutesAgo(20), 'late'));
    const withLate = await collectMessages(kafka, topics.objects, { until: (m) => m.length >= 4 });
    expect(decodeRefs(withLate).map((ref) => ref.key)).toContain(late);
    expect(
      await first.metric('trailstream_discovery_list_calls_total', { purpose: 'window' }),
    ).toBeGreaterThan(0);
    expect(await first.metric('trailstream_discovery_newest_file_time_seconds')).toBeGreaterThan(
      Date.now() / 1000 - 6 * 60,
    );
    await stop(first);

    const whileStopped = await put(bucket, cloudTrailKey(account, 'us-east-1', minutesAgo(3), 'restart'));
    const second = await start();
    await collectMessages(kafka, topics.objects, { until: (m) => m.length >= 5 });
    await eventually(
      async () => (await second.metric('trailstream_discovery_list_calls_total', { purpose: 'window' })) >= 6,
    );
    const all = decodeRefs(await collectFor(kafka, topics.objects, 2_000)).map((ref) => ref.key);
    expect(all.sort()).toEqual([...onTime, late, whileStopped].sort());
    expect(all).not.toContain(beforeWindow);
    expect(all.filter((key) => digests.includes(key))).toEqual([]);
    expect(decodeRefs(found).every((ref) => ref.foundBy === 'poll')).toBe(true);
  });

  it('routes the digest files of each account × region to the digests topic, keyed by their folder', async () => {
    const { topics, bucket, start } = await pollSetup(3);
    const inDigestFolder = (account: string, region: string, delivered: Date) =>
      digestKey(account, region, delivered).replace('/CloudTrail/', '/CloudTrail-Digest/');
    const digests = [
      await put(bucket, inDigestFolder('111122223333', 'us-east-1', minutesAgo(12))),
      await put(bucket, inDigestFolder('111122223333', 'us-east-1', minutesAgo(4))),
      await put(bucket, inDigestFolder('444455556666', 'eu-west-1', minutesAgo(8))),
    ];
    const log = await put(bucket, cloudTrailKey('111122223333', 'us-east-1', minutesAgo(6), 'log'));

    await start();
    const found = await collectMessages(kafka, topics.digests, { until: (m) => m.length >= 3 });
    const refs = decodeRefs(found);
    expect(refs.map((ref) => ref.key).sort()).toEqual([...digests].sort());
    expect(refs.every((ref) => ref.foundBy === 'poll' && ref.bucket === bucket)).toBe(true);
    // One chain per account × region folder, so one chain's digests stay in order on one partition.
    expect(new Set(found.map((message) => message.key?.toString()))).toEqual(
      new Set(['AWSLogs/111122223333/us-east-1', 'AWSLogs/444455556666/eu-west-1']),
    );
    const objects = decodeRefs(await collectMessages(kafka, topics.objects, { until: (m) => m.length >= 1 }));
    expect(objects.map((ref) => ref.key)).toEqual([log]);
    // Listed again every cycle, each digest is sent once.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect(decodeRefs(await collectFor(kafka, topics.digests, 1_500))).toHaveLength(3);
  });

  it('lists each stream from one replica at a time and moves streams when a replica leaves', async () => {
    const { topics, bucket, start, stop } = await pollSetup(6);
    const keys: string[] = [];
    for (const account of ['111111111111', '222222222222', '333333333333']) {
      for (const region of ['us-east-1', 'eu-west-1', 'ap-southeast-2']) {
        keys.push(await put(bucket, cloudTrailKey(account, region, minutesAgo(2), 'r')));
      }
    }
    const events: { replica: string; stream: string; phase: 'start' | 'end'; at: number }[] = [];
    // Each replica lists through its own S3 client, which reports every List request of a stream's window.
    const observe = (replica: string) => ({
      s3: observedS3(({ prefix, phase }) => {
        const day = /\d{4}\/\d{2}\/\d{2}\/$/.exec(prefix);
        if (day)
          events.push({
            replica,
            stream: `s3://${bucket}/${prefix.slice(0, day.index)}`,
            phase,
            at: Date.now(),
          });
      }),
    });
    const streamsListedBy = (replica: string, since: number) =>
      new Set(events.filter((e) => e.replica === replica && e.at >= since).map((e) => e.stream));

    const one = await start(observe('one'));
    await eventually(() => streamsListedBy('one', 0).size === 9);
    const two = await start(observe('two'));
    const joined = Date.now();
    await eventually(
      () => streamsListedBy('two', joined).size > 0 && streamsListedBy('one', Date.now() - 1500).size < 9,
      { timeoutMs: 40_000 },
    );
    const split = Date.now() + 2_000;
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    const oneAfterSplit = streamsListedBy('one', split);
    const twoAfterSplit = streamsListedBy('two', split);
    expect(oneAfterSplit.size).toBeGreaterThan(0);
    expect(twoAfterSplit.size).toBeGreaterThan(0);
    expect([...oneAfterSplit].filter((stream) => twoAfterSplit.has(stream))).toEqual([]);

    await stop(one);
    const left = Date.now();
    await eventually(() => streamsListedBy('two', left).size === 9, { timeoutMs: 40_000 });

    // No two replicas ever had a List call open on the same stream at the same time.
    const open = new Map<string, string>();
    for (const event of events) {
      const holder = open.get(event.stream);
      if (event.phase === 'start') {
        expect(
          holder === undefined || holder === event.replica,
          `${event.stream} listed by ${holder} and ${event.replica}`,
        ).toBe(true);
        open.set(event.stream, event.replica);
      } else {
        open.delete(event.stream);
      }
    }
    const emitted = new Set(decodeRefs(await collectFor(kafka, topics.objects, 1_500)).map((ref) => ref.key));
    expect([...emitted].sort()).toEqual([...keys].sort());
    await stop(two);
  });
});
