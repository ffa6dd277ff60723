import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { type CloudTrailRecord, type DeadLetter, logFileHashContract } from '@trailstream/schemas';
import {
  cloudTrailKey,
  cloudTrailLogFiles,
  collectMessages,
  readFixture,
  type ServiceProcess,
} from '@trailstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectRecords,
  createFetcherRig,
  decodeDeadLetter,
  type FetcherRig,
  objectRef,
  putObject,
  sendRefs,
  startFetcher,
  waitForInputConsumed,
} from './fetcher-harness.js';

const MAX_INFLATED_BYTES = 4 * 1024 ** 2;
const MAX_RECORD_BYTES = 64 * 1024;

let rig: FetcherRig;
let service: ServiceProcess;

beforeAll(async () => {
  rig = await createFetcherRig({
    MAX_INFLATED_BYTES: String(MAX_INFLATED_BYTES),
    MAX_RECORD_BYTES: String(MAX_RECORD_BYTES),
    S3_UNAVAILABLE_ATTEMPTS: '2',
  });
  service = await startFetcher(rig);
});

afterAll(async () => {
  await service?.stop();
  await rig?.close();
});

const key = (name: string) =>
  cloudTrailKey('123456789012', 'us-east-1', new Date('2024-05-01T10:05:00Z'), name);
const cloudTrailRecord = (eventID: string) => ({
  eventID,
  eventTime: '2024-05-01T10:00:00Z',
  eventSource: 's3.amazonaws.com',
  eventName: 'GetObject',
  awsRegion: 'us-east-1',
});
const recordsOf = (records: CloudTrailRecord[], objectKey: string) =>
  records.filter((record) => record.origin.key === objectKey);

describe('fetcher-parser against real Kafka and S3', () => {
  it('turns a real CloudTrail file into exactly its records, in order, unchanged', async () => {
    const files = cloudTrailLogFiles();
    const largest = files.map((path) => readFileSync(path)).sort((a, b) => b.length - a.length)[0]!;
    const plainKey = key('invictus-plain');
    const gzipKey = key('invictus-gzip');
    const refs = [await putObject(rig, plainKey, largest), await putObject(rig, gzipKey, gzipSync(largest))];
    await sendRefs(rig, refs);

    const expected = JSON.parse(largest.toString()).Records as Record<string, unknown>[];
    const text = largest.toString();
    const records = await collectRecords(
      rig,
      (all) =>
        recordsOf(all, plainKey).length >= expected.length &&
        recordsOf(all, gzipKey).length >= expected.length,
    );
    for (const objectKey of [plainKey, gzipKey]) {
      const ofObject = recordsOf(records, objectKey);
      expect(ofObject).toHaveLength(expected.length);
      expect(ofObject.map((record) => record.origin.index)).toEqual(expected.map((_, index) => index));
      expect(ofObject.map((record) => JSON.parse(record.json))).toEqual(expected);
      for (const record of ofObject) expect(text.includes(record.json)).toBe(true);
      expect(ofObject.map((record) => record.eventID)).toEqual(expected.map((record) => record.eventID));
      expect(ofObject[0]!.origin.bucket).toBe(rig.bucket);
      expect(ofObject[0]!.origin.etag).toBe(refs[objectKey === plainKey ? 0 : 1]!.etag!.replaceAll('"', ''));
    }
  });

  it('publishes the SHA-256 of each file as inflated, keyed by s3://bucket/key, in the same transaction', async () => {
    const largest = cloudTrailLogFiles()
      .map((path) => readFileSync(path))
      .sort((a, b) => b.length - a.length)[0]!;
    const objectKey = key('hashed-gzip');
    await sendRefs(rig, [await putObject(rig, objectKey, gzipSync(largest))]);
    const hashes = await collectMessages(rig.kafka, rig.topics.hashes, {
      until: (all) => all.some((m) => m.key?.toString() === `s3://${rig.bucket}/${objectKey}`),
    });
    const entry = hashes.find((m) => m.key?.toString() === `s3://${rig.bucket}/${objectKey}`)!;
    expect(logFileHashContract.decode(entry.value!, entry.headers as never)).toMatchObject({
      bucket: rig.bucket,
      key: objectKey,
      // What a digest's hashValue holds: the SHA-256 of the inflated bytes, not of the gzip object.
      sha256: createHash('sha256').update(largest).digest('hex'),
      bytes: largest.length,
    });
  });

  it('reads a real gzip object under a key with spaces and unicode', async () => {
    const objectKey = key('Zoë ☃ file name');
    await sendRefs(rig, [
      await putObject(
        rig,
        objectKey,
        readFixture('cloudtrail/openregister-sumologic-cloudtrail-fixtures/cloudtrail-logs-compressed.gz'),
      ),
    ]);
    const records = await collectRecords(rig, (all) => recordsOf(all, objectKey).length >= 2);
    expect(recordsOf(records, objectKey).map((record) => record.eventName)).toEqual(
      JSON.parse(
        readFixture(
          'cloudtrail/openregister-sumologic-cloudtrail-fixtures/cloudtrail-logs-uncompressed.log',
        ).toString(),
      ).Records.map((record: { eventName: string }) => record.eventName),
    );
  });

  it('skips a duplicate reference to an object it already processed', async () => {
    const objectKey = key('duplicate');
    const ref = await putObject(
      rig,
      objectKey,
      gzipSync(JSON.stringify({ Records: [cloudTrailRecord('dup-1')] })),
    );
    await sendRefs(rig, [ref]);
    await collectRecords(rig, (all) => recordsOf(all, objectKey).length >= 1);
    await sendRefs(rig, [ref, { ...ref, discoveredAt: Date.now(), foundBy: 'poll' }]);
    await waitForInputConsumed(rig);
    const records = await collectRecords(rig, () => false, 2_000);
    expect(recordsOf(records, objectKey).map((record) => record.eventID)).toEqual(['dup-1']);
  });

  describe('dead-letters bad objects with the reason, and produces no records for them', () => {
    const normalRecord = (i: number) =>
      JSON.stringify({
        eventID: `ok-${i}`,
        eventTime: '2024-05-01T10:00:00Z',
        eventSource: 'ec2.amazonaws.com',
        eventName: 'DescribeInstances',
        awsRegion: 'us-east-1',
        requestParameters: { filler: 'x'.repeat(200) },
      });
    const gzipObject = readFixture(
      'cloudtrail/openregister-sumologic-cloudtrail-fixtures/cloudtrail-logs-compressed.gz',
    );
    const cases: [string, string, Buffer | string | null][] = [
      ['truncated-gzip', key('truncated'), gzipObject.subarray(0, gzipObject.length - 40)],
      ['not-json', key('not-json'), '<html>503 Service Unavailable</html>'],
      [
        'no-records',
        key('digest'),
        readFixture(
          'cloudtrail/otel-collector-contrib-awslogsencoding/cloudtraillog-testdata/cloudtrail_digest_empty.json',
        ),
      ],
      [
        'truncated-gzip',
        key('truncated-late'),
        gzipSync(
          `{"Records":[${Array.from({ length: 300 }, (_, i) => normalRecord(i)).join(',')}]}`,
        ).subarray(0, -400),
      ],
      ['inflation-limit', key('bomb'), gzipSync(`{"Records":[${' '.repeat(MAX_INFLATED_BYTES + 1024)}]}`)],
      ['no-such-key', key('never-uploaded'), null],
    ];
    let letters: Map<string, DeadLetter>;
    let records: CloudTrailRecord[];

    beforeAll(async () => {
      const refs = [];
      for (const [, objectKey, body] of cases) {
        refs.push(body === null ? objectRef(rig, objectKey) : await putObject(rig, objectKey, body));
      }
      await sendRefs(rig, refs);
      const messages = await collectMessages(rig.kafka, rig.topics.dlq, {
        until: (all) =>
          cases.every(([, objectKey]) => all.some((m) => m.key?.toString().endsWith(objectKey))),
        timeoutMs: 90_000,
      });
      letters = new Map(
        messages.map((message) => {
          const letter = decodeDeadLetter(message);
          return [letter.originalKey!.toString(), letter];
        }),
      );
      await waitForInputConsumed(rig);
      records = await collectRecords(rig, () => false, 3_000);
    });

    it.each(cases.map(([reason, objectKey]) => [reason, objectKey]))('%s', (reason, objectKey) => {
      const letter = letters.get(`s3://${rig.bucket}/${objectKey}`);
      expect(letter, `no dead letter for ${objectKey}`).toBeDefined();
      expect(letter!.reasonClass).toBe(reason);
      expect(letter!.stage).toBe('fetcher-parser');
      expect(letter!.originalTopic).toBe(rig.topics.objects);
      expect(recordsOf(records, objectKey)).toEqual([]);
    });

    it('takes back records already sent when a file fails late', () => {
      // The cut is found after records went out: that transaction was aborted and retried.
      expect(
        service.output.some((line) => line.includes('transaction aborted; handling the chunk again')),
      ).toBe(true);
    });
  });

  describe('dead-letters a bad record alone, with its index and reason, and delivers the rest of its file', () => {
    const record = (i: number, prefix: string) =>
      JSON.stringify({
        eventID: `${prefix}-${i}`,
        eventTime: '2024-05-01T10:00:00Z',
        eventSource: 'ec2.amazonaws.com',
        eventName: 'DescribeInstances',
        awsRegion: 'us-east-1',
      });
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const cases: [string, string, number, (i: number) => string][] = [
      ['invalid-record', key('one-bad'), 417, (i) => record(i, 'bad').replace(`"eventID":"bad-${i}",`, '')],
      ['record-too-deep', key('one-deep'), 600, (i) => record(i, 'deep').replace(/}$/, `,"x":${deep}}`)],
      [
        'record-too-large',
        key('one-large'),
        10,
        (i) => record(i, 'large').replace(/}$/, `,"x":"${'y'.repeat(MAX_RECORD_BYTES)}"}`),
      ],
    ];
    let letters: DeadLetter[];
    let records: CloudTrailRecord[];

    beforeAll(async () => {
      const refs = [];
      for (const [reason, objectKey, badIndex, bad] of cases) {
        const body = Array.from({ length: 1_000 }, (_, i) => (i === badIndex ? bad(i) : record(i, reason)));
        refs.push(await putObject(rig, objectKey, gzipSync(`{"Records":[${body.join(',')}]}`)));
      }
      await sendRefs(rig, refs);
      const objectKeys = new Set(cases.map(([, objectKey]) => objectKey));
      const messages = await collectMessages(rig.kafka, rig.topics.dlq, {
        until: (all) =>
          all.filter((m) => objectKeys.has(decodeDeadLetter(m).originalRecord?.key ?? '')).length >= 3,
        timeoutMs: 90_000,
      });
      letters = messages
        .map(decodeDeadLetter)
        .filter((letter) => objectKeys.has(letter.originalRecord?.key ?? ''));
      await waitForInputConsumed(rig);
      records = await collectRecords(rig, () => false, 3_000);
    });

    it.each(cases.map(([reason, objectKey, index]) => [reason, objectKey, index] as const))(
      '%s',
      (reason, objectKey, index) => {
        const delivered = recordsOf(records, objectKey);
        expect(delivered).toHaveLength(999);
        expect(delivered.map((r) => r.origin.index)).not.toContain(index);
        const mine = letters.filter((letter) => letter.originalRecord?.key === objectKey);
        expect(mine).toHaveLength(1);
        expect(mine[0]).toMatchObject({
          reasonClass: reason,
          stage: 'fetcher-parser',
          originalTopic: rig.topics.objects,
          originalRecord: { bucket: rig.bucket, key: objectKey, index },
        });
        expect(mine[0]!.originalValue!.length).toBeGreaterThan(0);
        if (reason === 'invalid-record') expect(mine[0]!.originalValueBytes).toBeNull();
        else expect(mine[0]!.originalValueBytes).toBeGreaterThan(MAX_RECORD_BYTES);
      },
    );
  });
});
