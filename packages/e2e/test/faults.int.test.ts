import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { SendMessageCommand } from '@aws-sdk/client-sqs';
import { deadLetterContract } from '@trailstream/schemas';
import {
  collectMessages,
  hugeTrailObject,
  type PrivateKafka,
  type S3FaultProxy,
  startPrivateKafka,
  startS3FaultProxy,
  type TrailObject,
  testS3,
  testSqs,
  uniqueName,
} from '@trailstream/testkit';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  expectEverythingDelivered,
  loggedEventIds,
  type RunningPipeline,
  recentTrail,
  serviceStates,
  startPipeline,
  waitFor,
} from './pipeline.js';

let pipeline: RunningPipeline | undefined;
let proxy: S3FaultProxy | undefined;
let broker: PrivateKafka | undefined;
afterEach(async () => {
  await pipeline?.stop();
  await proxy?.close();
  await broker?.remove();
  pipeline = undefined;
  proxy = undefined;
  broker = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Splits a trail into `count` consecutive uploads, so faults can land while files are flowing. */
function inBatches(trail: TrailObject[], count: number): TrailObject[][] {
  const size = Math.ceil(trail.length / count);
  return Array.from({ length: count }, (_, i) => trail.slice(i * size, (i + 1) * size));
}

function report(what: string, value: unknown): void {
  process.stderr.write(`[e2e faults] ${what}: ${JSON.stringify(value)}\n`);
}

describe('faults while a stream of files flows through the four services', () => {
  it('each service SIGKILLed once, the intake refusing (429, 500) then hanging, S3 throttling: nothing lost', async () => {
    proxy = await startS3FaultProxy({ target: inject('endpoints').awsEndpoint });
    pipeline = await startPipeline('sqs', {
      awsEndpoint: proxy.url,
      env: {
        // A hung request is given up after 2 s and retried, and backoff stays short, so the test stays short.
        emitter: { DD_REQUEST_TIMEOUT_MS: '2000', EMITTER_MAX_BACKOFF_MS: '2000' },
      },
    });
    const running = pipeline;
    const s3 = proxy;
    const trail = recentTrail(30, 40);
    const [first, ...rest] = inBatches(trail, 6);
    await running.upload(first!);
    await waitFor(
      () => loggedEventIds(running.intake).length > 0,
      60_000,
      () => `nothing delivered yet\n${serviceStates(running)}`,
    );

    const faults: (() => Promise<void>)[] = [
      async () => {
        running.intake.addFaults([
          { kind: 'rate-limit', times: 6, resetSeconds: 1 },
          { kind: 'error', times: 6, status: 500 },
          // Longer than the emitter's request timeout: the connection hangs, as an overloaded intake's do.
          { kind: 'slow', times: 4, delayMs: 6_000 },
          { kind: 'drop', times: 2 },
        ]);
      },
      async () => {
        // Below the fetcher's 5 attempts per object, times the runtime's 5 handler attempts.
        s3.throttle(12);
      },
      () => running.crashAndRestart('fetcher-parser'),
      () => running.crashAndRestart('filter-mapper'),
      () => running.crashAndRestart('emitter'),
    ];
    for (const [i, batch] of rest.entries()) {
      await running.upload(batch);
      await sleep(500);
      await faults[i]!();
    }
    await running.crashAndRestart('discovery');

    const duplicates = await expectEverythingDelivered(running, trail, 150_000);
    const { responses } = running.intake.snapshot();
    expect(s3.throttled).toBe(12);
    // Every scripted refusal was played on the stream (the hangs end as late 202s, so they are not counted apart).
    // Counted over every endpoint: a restarted emitter's key check can draw one of them too.
    const answered = (status: number) =>
      Object.entries(responses)
        .filter(([endpointAndStatus]) => endpointAndStatus.endsWith(` ${status}`))
        .reduce((sum, [, count]) => sum + count, 0);
    expect([answered(429), answered(500), answered(0)]).toEqual([6, 6, 2]);
    report('duplicates at the intake (at-least-once emitter)', duplicates);
    report('intake responses', responses);
    report('S3 requests throttled', s3.throttled);
  }, 180_000);

  it('the Kafka broker stopped and started again mid-stream: nothing lost, nothing twice from the exactly-once stages', async () => {
    const began = Date.now();
    const phase = (name: string) => report('phase', { name, atMs: Date.now() - began });
    broker = await startPrivateKafka();
    phase('private broker up');
    pipeline = await startPipeline('sqs', { kafkaBrokers: broker.brokers });
    const running = pipeline;
    const kafka = broker;
    const trail = recentTrail(16, 40);
    const [first, second, third] = inBatches(trail, 3);
    await running.upload(first!);
    await waitFor(
      () => loggedEventIds(running.intake).length > 0,
      60_000,
      () => `nothing delivered yet\n${serviceStates(running)}`,
    );
    phase('first delivery');
    await running.upload(second!);
    await sleep(500);
    await kafka.stop();
    phase('broker stopped');
    // Files keep arriving while the broker is away; their notifications wait in SQS.
    await running.upload(third!);
    await sleep(3_000);
    await kafka.start();
    phase('broker started again');

    const duplicates = await expectEverythingDelivered(running, trail, 150_000);
    report('duplicates at the intake after the broker restart', duplicates);
    // They rode out the outage: none exited for a restart to fix.
    expect(serviceStates(running)).not.toContain('exited');
  }, 300_000);

  it('bad inputs mixed into the stream end in the dead-letter topic with their reasons; the rest is delivered', async () => {
    pipeline = await startPipeline('sqs');
    const running = pipeline;
    const [good1, good2, good3, oversized, unicodeSource] = recentTrail(5, 30);
    const keyOf = (template: TrailObject, name: string) => template.key.replace(/[^_]+\.json\.gz$/, name);
    const whole = good1!.body;
    const hugeRecord = {
      eventVersion: '1.08',
      eventID: 'a0000000-0000-4000-8000-000000000000',
      eventTime: new Date().toISOString(),
      eventSource: 's3.amazonaws.com',
      eventName: 'PutObject',
      awsRegion: 'us-east-1',
      requestParameters: { padding: 'x'.repeat(600 * 1024) },
    };
    const bad = [
      { key: keyOf(good1!, 'truncated.json.gz'), body: whole.subarray(0, Math.floor(whole.length / 2)) },
      { key: keyOf(good1!, 'not-json.json.gz'), body: Buffer.from('this is not gzip, nor JSON\n') },
      { key: keyOf(good1!, 'no-records.json.gz'), body: gzipSync('{"Digest": true, "logFiles": []}') },
      {
        key: keyOf(oversized!, 'record-too-large.json.gz'),
        body: gzipSync(JSON.stringify({ Records: [hugeRecord] })),
      },
    ];
    const unicode: TrailObject = {
      ...unicodeSource!,
      key: keyOf(unicodeSource!, 'späce and ünïcode ✓.json.gz'),
    };
    const s3 = testS3();
    const uploadBad = (object: { key: string; body: Buffer }) =>
      s3.send(new PutObjectCommand({ Bucket: running.bucket, Key: object.key, Body: object.body }));
    await running.upload([good1!]);
    await uploadBad(bad[0]!);
    await uploadBad(bad[1]!);
    await running.upload([good2!, unicode]);
    await uploadBad(bad[2]!);
    await testSqs().send(
      new SendMessageCommand({
        QueueUrl: running.queueUrl!,
        MessageBody: JSON.stringify({ hello: 'an unknown notification shape', detail: [1, 2, 3] }),
      }),
    );
    await uploadBad(bad[3]!);
    await running.upload([good3!]);

    const deadLetters = await collectMessages(running.kafka, running.topics.dlq, {
      until: (messages) => messages.length >= 5,
      timeoutMs: 90_000,
    });
    const reasons = deadLetters
      .map((m) => deadLetterContract.decode(m.value!, m.headers))
      .map((letter) => {
        const key = letter.originalKey?.toString() ?? '';
        const what = key.startsWith('s3://') ? key.slice(key.lastIndexOf('_') + 1) : 'sqs message';
        return `${letter.stage} ${letter.reasonClass} ${what}`;
      })
      .sort();
    expect(reasons).toEqual([
      'discovery unknown-notification sqs message',
      'fetcher-parser no-records no-records.json.gz',
      'fetcher-parser not-json not-json.json.gz',
      'fetcher-parser record-too-large record-too-large.json.gz',
      'fetcher-parser truncated-gzip truncated.json.gz',
    ]);
    await expectEverythingDelivered(running, [good1!, good2!, unicode, good3!], 90_000);
  }, 180_000);

  it('an output topic with a small max.message.bytes: the oversized record is dead-lettered as kafka-refused, the partition moves past it', async () => {
    pipeline = await startPipeline('sqs', { partitions: 1, maxMessageBytes: { datadog: 64 * 1024 } });
    const running = pipeline;
    const [before, after, template] = recentTrail(3, 20);
    // Fits the records topic (1 MB) but not the datadog topic once mapped.
    const big = {
      eventVersion: '1.08',
      eventID: randomUUID(),
      eventTime: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      eventSource: 's3.amazonaws.com',
      eventName: 'PutObject',
      awsRegion: 'us-east-1',
      readOnly: false,
      requestParameters: { padding: 'x'.repeat(100 * 1024) },
    };
    const oversized: TrailObject = {
      key: template!.key,
      body: gzipSync(JSON.stringify({ Records: [big] })),
      eventIDs: [big.eventID],
    };
    await running.upload([before!]);
    await running.upload([oversized]);
    await running.upload([after!]);

    const [letter, ...others] = (
      await collectMessages(running.kafka, running.topics.dlq, {
        until: (messages) => messages.length >= 1,
        timeoutMs: 90_000,
      })
    ).map((m) => deadLetterContract.decode(m.value!, m.headers));
    expect(others).toEqual([]);
    expect(letter).toMatchObject({ stage: 'filter-mapper', reasonClass: 'kafka-refused' });
    expect(letter!.reasonMessage).toContain('MESSAGE_TOO_LARGE');
    // The oversized record is on the records topic (it fits there), but never reaches Datadog; the rest does.
    const expected = [...before!.eventIDs, ...after!.eventIDs];
    await waitFor(
      () => expected.every((id) => loggedEventIds(running.intake).includes(id)),
      120_000,
      () => `${new Set(loggedEventIds(running.intake)).size} of ${expected.length} records logged`,
    );
    expect(loggedEventIds(running.intake)).not.toContain(big.eventID);
    // The filter-mapper's committed offset is past the refused record's.
    const admin = running.kafka.admin();
    await admin.connect();
    const [committed] = await admin
      .fetchOffsets({ groupId: running.groups.filter, topics: [running.topics.records] })
      .finally(() => admin.disconnect());
    expect(BigInt(committed!.partitions[0]!.offset)).toBeGreaterThan(BigInt(letter!.originalOffset!));
  }, 180_000);

  it('a file of 100,000 records, the fetcher-parser SIGKILLed mid-file: it resumes after its last committed record, each record once', async () => {
    pipeline = await startPipeline('sqs', {
      env: { 'fetcher-parser': { RECORDS_PER_TRANSACTION: '2000', PRODUCE_BATCH_MESSAGES: '500' } },
    });
    const running = pipeline;
    const huge = await hugeTrailObject(100_000, uniqueName('huge'));
    const hugeObject: TrailObject = {
      key: huge.key,
      body: huge.body,
      eventIDs: Array.from({ length: huge.records }, (_, index) => huge.eventID(index)),
    };
    const trail = recentTrail(2, 20);
    await running.upload([...trail, hugeObject]);
    const committed = await collectMessages(running.kafka, running.topics.records, {
      until: (messages) =>
        messages.filter((m) => huge.indexOf(m.key?.toString() ?? '') !== undefined).length >= 4_000,
      timeoutMs: 120_000,
    });
    expect(committed.length).toBeGreaterThanOrEqual(4_000);
    await running.crashAndRestart('fetcher-parser');
    const resumed = await running.processes
      .get('fetcher-parser')!
      .waitForOutput(/resuming the object/, 90_000);
    report('fetcher-parser resumed', JSON.parse(resumed).nextRecord);
    await expectEverythingDelivered(running, [...trail, hugeObject], 240_000);
  }, 300_000);
});
