import { gunzipSync, gzipSync } from 'node:zlib';
import { fuzzInputBudgetMs, fuzzParameters, fuzzTimeoutMs, syntheticTrail } from '@trailstream/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CloudTrailObjectError, type ObjectReason, type RecordReason } from './object-errors.js';
import { readCloudTrailRecords } from './read-object-records.js';

const objectReasons: readonly ObjectReason[] = [
  'truncated-gzip',
  'corrupt-gzip',
  'not-json',
  'no-records',
  'inflation-limit',
];
const recordReasons: readonly RecordReason[] = [
  'record-too-large',
  'record-too-deep',
  'record-not-utf8',
  'record-not-json',
  'invalid-record',
];
const limits = { maxInflatedBytes: 4 * 1024 * 1024, maxRecordBytes: 64 * 1024 };

// Real records (from the shared fixtures) in CloudTrail's file shape: the seed every mutation starts from.
const [gzipped] = [
  ...syntheticTrail({
    files: 1,
    recordsPerFile: 5,
    accounts: ['111122223333'],
    regions: ['eu-west-1'],
    start: new Date('2024-05-01T00:05:00Z'),
    seed: 'fuzz',
  }),
];
const plain = gunzipSync(gzipped!.body);

type Outcome = { records: number; failed: number } | { reason: ObjectReason };

/**
 * Reads an object split into the given chunk sizes: records and records refused by a named reason,
 * or the named reason the object is unusable.
 */
async function outcomeOf(bytes: Buffer, chunkSizes: number[]): Promise<Outcome> {
  async function* chunks() {
    let offset = 0;
    let turn = 0;
    while (offset < bytes.length) {
      const size = chunkSizes.length === 0 ? bytes.length : chunkSizes[turn++ % chunkSizes.length]!;
      yield bytes.subarray(offset, offset + size);
      offset += size;
    }
  }
  let records = 0;
  let failed = 0;
  try {
    for await (const read of readCloudTrailRecords(chunks(), { bucket: 'b', key: 'k', etag: 'e' }, limits)) {
      if ('record' in read) records++;
      else {
        expect(recordReasons).toContain(read.failure.reason);
        failed++;
      }
    }
    return { records, failed };
  } catch (error) {
    // Anything but a named reason is a crash.
    if (!(error instanceof CloudTrailObjectError)) throw error;
    expect(objectReasons).toContain(error.reason);
    return { reason: error.reason };
  }
}

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(bytes: Buffer, mutations: Mutation[]): Buffer {
  let out = Buffer.from(bytes);
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'truncate') out = out.subarray(0, at);
    else if (m.kind === 'flip') out[at] = m.byte;
    else if (m.kind === 'insert') out = Buffer.concat([out.subarray(0, at), m.bytes, out.subarray(at)]);
    else out = Buffer.concat([out.subarray(0, at), out.subarray(at + m.length)]);
  }
  return out;
}

const chunking = fc.array(fc.integer({ min: 1, max: 4096 }), { maxLength: 4 });

async function withinBudget(run: () => Promise<Outcome>): Promise<Outcome> {
  const started = performance.now();
  const outcome = await run();
  expect(performance.now() - started).toBeLessThan(fuzzInputBudgetMs);
  return outcome;
}

describe('fuzzing the records scanner', { timeout: fuzzTimeoutMs }, () => {
  it('reads the unmutated seed, whole or in any chunks', async () => {
    await fc.assert(
      fc.asyncProperty(chunking, async (sizes) => {
        expect(await outcomeOf(gzipped!.body, sizes)).toEqual({ records: 5, failed: 0 });
        expect(await outcomeOf(plain, sizes)).toEqual({ records: 5, failed: 0 });
      }),
      fuzzParameters(50),
    );
  });

  it('mutated files (plain or gzip) yield records or a named reason, never a crash or a hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        chunking,
        async (startGzipped, mutations, gzipAfter, sizes) => {
          const mutated = mutate(startGzipped ? gzipped!.body : plain, mutations);
          await withinBudget(() => outcomeOf(gzipAfter ? gzipSync(mutated) : mutated, sizes));
        },
      ),
      fuzzParameters(),
    );
  });

  it('random bytes and random JSON-ish text yield records or a named reason', async () => {
    const jsonish = fc
      .array(
        fc.constantFrom(
          '{',
          '}',
          '[',
          ']',
          '"',
          '\\',
          ',',
          ':',
          ' ',
          'Records',
          'a',
          '1',
          'true',
          '\u00e9',
          '\ufeff',
        ),
        { maxLength: 200 },
      )
      .map((parts) => Buffer.from(parts.join('')));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)),
          jsonish,
        ),
        chunking,
        async (bytes, sizes) => {
          await withinBudget(() => outcomeOf(bytes, sizes));
        },
      ),
      fuzzParameters(),
    );
  });

  it('deep nesting, huge strings and odd encodings are refused by name in bounded time', async () => {
    const hostile = fc.oneof(
      fc.integer({ min: 1, max: 200_000 }).map((depth) => Buffer.from(`{"Records":[${'['.repeat(depth)}`)),
      fc
        .integer({ min: 1, max: 100_000 })
        .map((depth) => Buffer.from(`{"Records":[{"a":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}]}`)),
      fc
        .integer({ min: 1, max: 300_000 })
        .map((length) => Buffer.from(`{"Records":[{"eventID":"${'x'.repeat(length)}"}]}`)),
      fc.integer({ min: 1, max: 300_000 }).map((length) => Buffer.from(`{"${'k'.repeat(length)}":1}`)),
      fc
        .constantFrom('utf16le', 'latin1' as const)
        .map((encoding) => Buffer.from(plain.toString('utf8').replace('eu-west-1', 'é€'), encoding)),
      fc.constant(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), plain])),
      fc.constant(Buffer.from('{"Records":[{"eventID":"\xff\xfe"}]}', 'latin1')),
    );
    await fc.assert(
      fc.asyncProperty(hostile, chunking, async (bytes, sizes) => {
        await withinBudget(() => outcomeOf(bytes, sizes));
      }),
      fuzzParameters(40),
    );
  });
});
