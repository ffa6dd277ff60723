import { PutObjectCommand } from '@aws-sdk/client-s3';
import { buildDeadLetter, deadLetterMessage } from '@trailstream/runtime';
import { objectRefMessage } from '@trailstream/schemas';
import {
  cloudTrailKey,
  collectMessages,
  createTestBucket,
  createTestTopics,
  type ServiceProcess,
  startServiceProcess,
  syntheticTrail,
  testKafka,
  testS3,
  uniqueName,
} from '@trailstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const kafka = testKafka();
/** A hang is what this file guards against: each command gets far less than the test's own timeout. */
const COMMAND_TIMEOUT_MS = 30_000;

let topics: Record<'objects' | 'records' | 'datadog' | 'dlq' | 'seen', string>;
let truncatedKey: string;
const services: ServiceProcess[] = [];

/** Letters committed by the stages so far, and any other message, read committed. */
const dlqMessages = (enough: number) =>
  collectMessages(kafka, topics.dlq, { until: (m) => m.length >= enough, timeoutMs: 90_000 });

/**
 * The dead-letter topic as production fills it: letters written by the real fetcher-parser and
 * filter-mapper inside their transactions (so commit markers follow them), a letter whose transaction
 * was aborted, and a message that is no dead letter at all; the newest entry is a commit marker.
 */
beforeAll(async () => {
  topics = await createTestTopics(kafka, {
    objects: {},
    records: {},
    datadog: {},
    dlq: {},
    seen: { compacted: true },
  });
  const env = {
    TOPIC_OBJECTS: topics.objects,
    TOPIC_RECORDS: topics.records,
    TOPIC_DATADOG: topics.datadog,
    TOPIC_DLQ: topics.dlq,
    TOPIC_SEEN_OBJECTS: topics.seen,
    S3_UNAVAILABLE_ATTEMPTS: '1',
  };
  const s3 = testS3();
  const bucket = await createTestBucket(s3, 'dlq');
  const [object] = syntheticTrail({ files: 1, recordsPerFile: 400, start: new Date('2024-05-01T10:00:00Z') });
  truncatedKey = object!.key;
  // Cut mid-stream: the first records are produced, then the gzip ends early (a partial upload).
  const body = object!.body.subarray(0, Math.floor(object!.body.length * 0.6));
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: truncatedKey, Body: body }));

  const fetcher = startServiceProcess('fetcher-parser', {
    ...env,
    KAFKA_GROUP_ID: uniqueName('fetcher'),
    TRANSACTIONAL_ID_PREFIX: uniqueName('fetcher-tx'),
  });
  services.push(fetcher);
  await fetcher.waitForOutput(/duplicate-detection state restored/, 90_000);
  const producer = kafka.producer();
  await producer.connect();
  const ref = (key: string, etag: string | null) => ({
    bucket,
    key,
    region: 'us-east-1',
    size: null,
    etag,
    foundBy: 'sqs' as const,
    discoveredAt: Date.now(),
    sequencer: null,
    versionId: null,
  });
  await producer.send({
    topic: topics.objects,
    acks: -1,
    messages: [
      objectRefMessage(ref(truncatedKey, ETag ?? null)),
      objectRefMessage(ref(cloudTrailKey('123456789012', 'us-east-1', new Date(), 'gone'), null)),
    ],
  });
  await dlqMessages(2);

  // Someone produced an object reference to the wrong topic.
  await producer.send({
    topic: topics.dlq,
    acks: -1,
    messages: [objectRefMessage(ref('AWSLogs/misrouted.json.gz', null))],
  });
  const transactional = kafka.producer({
    transactionalId: uniqueName('aborted'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await transactional.connect();
  const aborted = await transactional.transaction();
  await aborted.send({
    topic: topics.dlq,
    messages: [
      deadLetterMessage(
        buildDeadLetter(
          'fetcher-parser',
          { topic: topics.objects, partition: 0, offset: '99', key: 'aborted', value: 'x' },
          { reasonClass: 'never-committed', reasonMessage: 'this transaction was aborted', attempts: 1 },
        ),
      ),
    ],
  });
  await aborted.abort();
  await transactional.disconnect();

  const filterMapper = startServiceProcess('filter-mapper', {
    ...env,
    KAFKA_GROUP_ID: uniqueName('filter-mapper'),
    TRANSACTIONAL_ID_PREFIX: uniqueName('filter-mapper-tx'),
  });
  services.push(filterMapper);
  await filterMapper.waitForOutput(/filter-mapper started/, 90_000);
  await producer.send({
    topic: topics.records,
    acks: -1,
    messages: [{ key: 'garbage', value: Buffer.from('not a CloudTrail record') }],
  });
  await dlqMessages(4);
  await producer.disconnect();
}, 240_000);

afterAll(async () => {
  for (const service of services) await service.stop();
});

describe('trailstream dlq on letters the stages wrote in their transactions', () => {
  it('lists exactly the committed letters, names the foreign message, and exits', async () => {
    const env = { TOPIC_DLQ: topics.dlq };
    const listed = await runCli(['dlq', 'list'], env, COMMAND_TIMEOUT_MS);
    expect(listed.code, `${listed.stdout}\n${listed.stderr}`).toBe(0);
    console.info(`dlq list: exit ${listed.code} after ${listed.elapsedMs} ms`);
    const lines = listed.stdout.trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      new RegExp(`^0:\\d+ .* fetcher-parser +truncated-gzip .* key=s3://[^ ]+/${truncatedKey} `),
    );
    expect(lines[1]).toMatch(/^0:\d+ .* fetcher-parser +no-such-key .* key=s3:\/\/.*gone/);
    expect(lines[2]).toMatch(
      /^0:\d+ +not a dead letter: expected a trailstream.DeadLetter message, got trailstream.ObjectRef/,
    );
    expect(lines[3]).toMatch(
      new RegExp(`^0:\\d+ .* filter-mapper +undecodable-record .* from ${topics.records}/0@0 +key=garbage`),
    );
    expect(listed.stdout).not.toContain('never-committed');
    expect(listed.stderr).toContain(`3 dead letter(s) and 1 other message(s) in ${topics.dlq}`);

    const newest = await runCli(['dlq', 'list', '--limit', '1', '--json'], env, COMMAND_TIMEOUT_MS);
    console.info(`dlq list --limit 1: exit ${newest.code} after ${newest.elapsedMs} ms`);
    expect(newest.code, newest.stderr).toBe(0);
    const [only, ...more] = newest.stdout.trim().split('\n');
    expect(more).toEqual([]);
    expect(JSON.parse(only!)).toMatchObject({ stage: 'filter-mapper', reasonClass: 'undecodable-record' });

    const foreign = await runCli(['dlq', 'list', '--limit', '2', '--json'], env, COMMAND_TIMEOUT_MS);
    console.info(`dlq list --limit 2: exit ${foreign.code} after ${foreign.elapsedMs} ms`);
    expect(JSON.parse(foreign.stdout.trim().split('\n')[0]!)).toMatchObject({
      notADeadLetter: expect.stringContaining('got trailstream.ObjectRef'),
    });
  });

  it('replays exactly the committed letters to their stage inputs, skipping the foreign message', async () => {
    const env = { TOPIC_DLQ: topics.dlq };
    const listed = await runCli(['dlq', 'list', '--json'], env, COMMAND_TIMEOUT_MS);
    const foreign = listed.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { position: string; notADeadLetter?: string })
      .find((entry) => entry.notADeadLetter !== undefined);
    const refused = await runCli(['dlq', 'replay', '--position', foreign!.position], env, COMMAND_TIMEOUT_MS);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`${foreign!.position} is not a dead letter`);
    expect(refused.stderr).toContain('nothing replayed');

    const replayed = await runCli(['dlq', 'replay', '--all'], env, COMMAND_TIMEOUT_MS);
    console.info(`dlq replay --all: exit ${replayed.code} after ${replayed.elapsedMs} ms`);
    expect(replayed.code, `${replayed.stdout}\n${replayed.stderr}`).toBe(0);
    const lines = replayed.stdout.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines.filter((l) => l.endsWith(`→ ${topics.objects}`))).toHaveLength(2);
    expect(lines.filter((l) => l.endsWith(`→ ${topics.records}`))).toHaveLength(1);
    expect(replayed.stderr).toMatch(/skipped 0:\d+: not a dead letter/);
    expect(replayed.stderr).toContain('3 dead letter(s) sent back');

    const sentBack = await collectMessages(kafka, topics.records, {
      until: (m) => m.some((message) => message.headers?.['trailstream-replayed-from'] !== undefined),
    });
    const back = sentBack.find((m) => m.headers?.['trailstream-replayed-from'] !== undefined);
    expect(back?.value?.toString()).toBe('not a CloudTrail record');
    expect(back?.key?.toString()).toBe('garbage');
  });

  it('says so and exits 0 on an empty dead-letter topic', async () => {
    const empty = await createTestTopics(kafka, { dlq: {} });
    const listed = await runCli(['dlq', 'list'], { TOPIC_DLQ: empty.dlq }, COMMAND_TIMEOUT_MS);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toBe('');
    expect(listed.stderr).toContain(`no dead letters in ${empty.dlq}`);
  });
});
