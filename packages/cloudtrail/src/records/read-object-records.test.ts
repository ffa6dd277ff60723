import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { readFixture } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { CloudTrailObjectError } from './object-errors.js';
import { type RecordFailure, type RecordText, readObjectRecords } from './read-object-records.js';

const openregister = (name: string) =>
  readFixture('cloudtrail/openregister-sumologic-cloudtrail-fixtures', name);
const gzipObject = openregister('cloudtrail-logs-compressed.gz');
const plainObject = openregister('cloudtrail-logs-uncompressed.log');
const expectedLines = openregister('cloudtrail-logs-expected.log')
  .toString()
  .split('\n')
  .filter((line) => line !== '');

const limits = { maxInflatedBytes: 1024 ** 2, maxRecordBytes: 64 * 1024 };

/** An S3-like body: the bytes in pieces, recording whether the reader closed it. */
function bodyOf(bytes: Buffer, chunkSize = 100, failAfter?: Error) {
  const body = {
    closed: false,
    async *[Symbol.asyncIterator]() {
      try {
        for (let at = 0; at < bytes.length; at += chunkSize) yield bytes.subarray(at, at + chunkSize);
        if (failAfter) throw failAfter;
      } finally {
        body.closed = true;
      }
    },
  };
  return body;
}

async function readAll(body: AsyncIterable<Uint8Array>, objectLimits = limits) {
  const records: RecordText[] = [];
  for await (const record of readObjectRecords(body, objectLimits)) {
    if (!('json' in record)) throw new Error(`record ${record.index}: ${record.reason}`);
    records.push(record);
  }
  return records;
}

async function failuresOf(bytes: Buffer, objectLimits = limits) {
  const read = [];
  for await (const record of readObjectRecords(bodyOf(bytes, 1000), objectLimits)) read.push(record);
  return read;
}

async function reasonOf(body: AsyncIterable<Uint8Array>, objectLimits = limits): Promise<string> {
  try {
    await readAll(body, objectLimits);
  } catch (error) {
    if (error instanceof CloudTrailObjectError) return error.reason;
    throw error;
  }
  throw new Error('expected a CloudTrailObjectError');
}

describe('readObjectRecords', () => {
  it('reads a real gzip object into its records, in order, with their positions', async () => {
    const records = await readAll(bodyOf(gzipObject));
    expect(records.map((record) => record.index)).toEqual([0, 1]);
    expect(records.map((record) => JSON.parse(record.json))).toEqual(
      expectedLines.map((line) => JSON.parse(line)),
    );
  });

  it('reads the same object uncompressed, by its bytes and not its name', async () => {
    const fromPlain = await readAll(bodyOf(plainObject, 7));
    const fromGzip = await readAll(bodyOf(gzipObject, 1));
    expect(fromPlain).toEqual(fromGzip);
    expect(fromPlain.map((record) => record.json)).toEqual(
      JSON.parse(plainObject.toString()).Records.map((record: unknown) => JSON.stringify(record)),
    );
  });

  it('keeps non-ASCII text intact across chunk boundaries', async () => {
    const record = '{"eventID":"ü","requestParameters":{"key":"Zoë/☃/😀 file.json"}}';
    const records = await readAll(bodyOf(gzipSync(`{"Records":[${record}]}`), 3));
    expect(records).toEqual([{ index: 0, json: record }]);
  });

  it('reads an empty Records array as an empty file', async () => {
    expect(await readAll(bodyOf(gzipSync('{"Records": []}')))).toEqual([]);
  });

  it('calls a cut gzip stream truncated', async () => {
    const body = bodyOf(gzipObject.subarray(0, gzipObject.length / 2));
    expect(await reasonOf(body)).toBe('truncated-gzip');
    expect(body.closed).toBe(true);
  });

  it('calls a gzip stream with an invalid deflate block corrupt', async () => {
    // 0x07 opens a final block of the reserved type 3.
    const garbage = Buffer.concat([gzipSync('{}').subarray(0, 10), Buffer.alloc(20, 0x07)]);
    expect(await reasonOf(bodyOf(garbage))).toBe('corrupt-gzip');
  });

  it('stops a decompression bomb at the inflation limit and closes the body', async () => {
    const bomb = gzipSync(`{"Records":[${' '.repeat(8 * 1024 ** 2)}]}`);
    expect(bomb.length).toBeLessThan(64 * 1024);
    const body = bodyOf(bomb, 1024);
    expect(await reasonOf(body)).toBe('inflation-limit');
    expect(body.closed).toBe(true);
  });

  it.each([
    ['a file that is not JSON', Buffer.from('<Error><Code>AccessDenied</Code></Error>'), 'not-json'],
    ['an empty object', Buffer.alloc(0), 'not-json'],
    ['a lone gzip magic byte', Buffer.from([0x1f]), 'not-json'],
    ['gzip of non-JSON', gzipSync('not json at all'), 'not-json'],
    ['a digest', gzipSync('{"awsAccountId":"1","logFiles":[]}'), 'no-records'],
  ])('refuses %s', async (_, bytes, reason) => {
    expect(await reasonOf(bodyOf(bytes))).toBe(reason);
  });

  it('skips a record over the size limit alone, keeping its start, length and SHA-256', async () => {
    const big = `{"a":"${'x'.repeat(70 * 1024)}"}`;
    const read = await failuresOf(gzipSync(`{"Records":[{"n":1},${big},{"n":3}]}`));
    expect(read.map((r) => ('json' in r ? r.json : r.reason))).toEqual([
      '{"n":1}',
      'record-too-large',
      '{"n":3}',
    ]);
    const skipped = read[1] as RecordFailure;
    expect(skipped.index).toBe(1);
    expect(skipped.raw.length).toBeLessThanOrEqual(64 * 1024);
    expect(big.startsWith(skipped.raw.toString())).toBe(true);
    expect(skipped.whole).toEqual({
      bytes: big.length,
      sha256: createHash('sha256').update(big).digest('hex'),
    });
  });

  it('skips a record nested 100,000 deep and one that is not UTF-8, and reads the rest', async () => {
    const deep = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const bytes = Buffer.concat([
      Buffer.from(`{"Records":[{"n":1},${deep},{"a":"`),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"},{"n":4}]}'),
    ]);
    const read = await failuresOf(bytes, { ...limits, maxRecordBytes: 1024 ** 2 });
    expect(read.map((r) => ('json' in r ? r.json : r.reason))).toEqual([
      '{"n":1}',
      'record-too-deep',
      'record-not-utf8',
      '{"n":4}',
    ]);
    expect((read[1] as RecordFailure).raw.toString()).toBe(deep);
  });

  it.each([
    ['gzip', gzipObject],
    ['plain', plainObject],
  ])('passes a failing %s body error through unchanged, for a retry', async (_, bytes) => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    await expect(readAll(bodyOf(bytes.subarray(0, 200), 50, reset))).rejects.toBe(reset);
  });

  it('closes the body when the reader stops early', async () => {
    const body = bodyOf(gzipObject, 10);
    for await (const record of readObjectRecords(body, limits)) {
      expect(record.index).toBe(0);
      break;
    }
    expect(body.closed).toBe(true);
  });
});
