import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { cloudTrailLogFiles, readFixture } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { CloudTrailObjectError } from './object-errors.js';
import { RecordsScanner } from './records-scanner.js';

const invictusFiles = cloudTrailLogFiles();
const otelFile = (name: string) =>
  readFixture('cloudtrail/otel-collector-contrib-awslogsencoding/cloudtraillog-testdata', name);

const limits = { maxRecordBytes: 1024 ** 2 };

/** Runs the scanner over the bytes cut into pieces of `chunkSize`, returning each record's text. */
function scan(bytes: Buffer | string, chunkSize = 65_536, maxRecordBytes = limits.maxRecordBytes): string[] {
  const input = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes);
  const scanner = new RecordsScanner({ maxRecordBytes });
  const records: string[] = [];
  for (let at = 0; at < input.length; at += chunkSize) {
    for (const record of scanner.write(input.subarray(at, at + chunkSize)))
      records.push(Buffer.isBuffer(record) ? record.toString() : record.reason);
  }
  scanner.end();
  return records;
}

function reasonOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof CloudTrailObjectError) return `${error.reason}: ${error.message}`;
    throw error;
  }
  throw new Error('expected a CloudTrailObjectError');
}

describe('RecordsScanner on real CloudTrail log files', () => {
  it.each(invictusFiles.map((path) => [basename(path), path]))(
    '%s: every record, byte for byte, in order',
    (_, path) => {
      const file = readFileSync(path);
      const records = scan(file);
      const expected = JSON.parse(file.toString()).Records as unknown[];
      expect(records).toHaveLength(expected.length);
      // Each record is a verbatim slice of the file, and only separators lie between them.
      const text = file.toString();
      let at = text.indexOf('[') + 1;
      for (const record of records) {
        const start = text.indexOf(record, at);
        expect(text.slice(at, start)).toMatch(/^\s*,?\s*$/);
        at = start + record.length;
      }
      expect(text.slice(at)).toMatch(/^\s*]\s*}\s*$/);
      expect(records.map((record) => JSON.parse(record))).toEqual(expected);
    },
  );

  it('gives the same records whatever the chunk boundaries', () => {
    const file = readFileSync(invictusFiles[0]!);
    const whole = scan(file);
    for (const size of [1, 2, 3, 7, 64, 1000, 4093]) expect(scan(file, size)).toEqual(whole);
  });

  it('reads an indented file with Insight records and odd identities', () => {
    const file = otelFile('cloudtrail_log.json');
    const records = scan(file, 100);
    expect(records.map((record) => JSON.parse(record))).toEqual(JSON.parse(file.toString()).Records);
    expect(records).toHaveLength(7);
  });

  it('treats {"Records": []} as a normal empty file', () => {
    expect(scan(otelFile('cloudtrail_log_empty.json'))).toEqual([]);
    expect(scan(' \n{ "Records" : [ ] }\r\n')).toEqual([]);
  });

  it('refuses a digest file, naming its keys', () => {
    expect(reasonOf(() => scan(otelFile('cloudtrail_digest_empty.json')))).toBe(
      'no-records: the JSON object has no "Records" (its keys: awsAccountId, digestStartTime, digestEndTime, digestS3Bucket, digestS3Object)',
    );
  });
});

describe('RecordsScanner on built shapes', () => {
  const tricky = String.raw`{"eventID":"a\"}]\\","s":"{[\\\"","u":"Zoë ☃ 😀 \u00e9","n":[1,{"x":null}],"b":true}`;

  it('follows escapes, brackets inside strings and multi-byte characters across every boundary', () => {
    const file = `{"Records":[${tricky},{"eventID":"b"}]}`;
    for (const size of [1, 2, 3, 5, 8, 13, 1000]) {
      expect(scan(file, size)).toEqual([tricky, '{"eventID":"b"}']);
    }
  });

  it('skips other top-level values before and after Records', () => {
    const file = `{"a":"x}\\"]","b":{"c":[1,2,{"d":"}"}]},"n":-1.5e3,"t":true,"z":null,"Records":[{"i":1}],"after":[]}`;
    expect(scan(file, 3)).toEqual(['{"i":1}']);
  });

  it('accepts a UTF-8 byte order mark', () => {
    expect(scan(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"Records":[{}]}')]))).toEqual([
      '{}',
    ]);
  });

  it('keeps memory to one record: a record over the limit is skipped as it streams, the next one read', () => {
    const big = `{"requestParameters":"${'x'.repeat(5000)}"}`;
    const scanner = new RecordsScanner({ maxRecordBytes: 1000 });
    const read = [
      ...scanner.write(Buffer.from(`{"Records":[{"small":1},`)),
      ...scanner.write(Buffer.from(big.slice(0, 2000))),
      ...scanner.write(Buffer.from(big.slice(2000))),
      ...scanner.write(Buffer.from(',{"small":3}]}')),
    ];
    scanner.end();
    expect(read.map((r) => (Buffer.isBuffer(r) ? r.toString() : r.message))).toEqual([
      '{"small":1}',
      `record 1 is ${big.length} bytes, over 1000`,
      '{"small":3}',
    ]);
  });

  it('skips a record over the limit that arrives in one piece', () => {
    const big = `{"requestParameters":"${'x'.repeat(5000)}"}`;
    const scanner = new RecordsScanner({ maxRecordBytes: 1000 });
    const [skipped] = scanner.write(Buffer.from(`{"Records":[${big}]}`));
    expect(skipped).toMatchObject({ reason: 'record-too-large', whole: { bytes: big.length } });
  });

  it.each([
    ['', 'not-json: the object is empty'],
    ['   ', 'not-json: the object holds no JSON'],
    ['hello', "not-json: expected the start of a JSON object at byte 0, found 'h'"],
    ['\x00\x01', 'not-json: expected the start of a JSON object at byte 0, found byte 0x00'],
    ['{"Records":[{"a":1}', 'not-json: the JSON ends after 19 bytes, before the document is complete'],
    ['{"Records":[{"a":1}]', 'not-json: the JSON ends after 20 bytes, before the document is complete'],
    ['{"Records":[{"a":1}]}{}', "not-json: expected nothing after the JSON document at byte 21, found '{'"],
    ['{"Records":[{"a":1} {"a":2}]}', "not-json: expected ',' or ']' after a record at byte 20, found '{'"],
    ['{"Records":[{"a":1},]}', "not-json: expected record 1 (a JSON object) at byte 20, found ']'"],
    ['{"Records":[1]}', "not-json: expected record 0 (a JSON object) at byte 12, found '1'"],
    ['{"Records" [', "not-json: expected ':' at byte 11, found '['"],
    ['{Records:[]}', "not-json: expected a key at byte 1, found 'R'"],
    ['[{"eventID":"a"}]', 'no-records: the JSON is an array, not {"Records": [...]}'],
    ['{}', 'no-records: the JSON object is empty'],
    ['{"Records":null}', 'no-records: "Records" is not an array (it starts with \'n\')'],
    ['{"eventID":"a"}\n{"eventID":"b"}', 'no-records: the JSON object has no "Records" (its keys: eventID)'],
  ])('refuses %j', (input, reason) => {
    expect(reasonOf(() => scan(input))).toBe(reason);
  });
});
