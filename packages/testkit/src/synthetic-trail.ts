import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip, gzipSync } from 'node:zlib';
import { cloudTrailLogFiles, fixturePath } from './fixtures.js';

type JsonRecord = Record<string, unknown>;

/** A CloudTrail log object as CloudTrail would write it to S3. */
export interface TrailObject {
  key: string;
  /** gzip of `{"Records":[...]}` */
  body: Buffer;
  eventIDs: string[];
}

export interface SyntheticTrailOptions {
  files: number;
  recordsPerFile: number;
  accounts?: string[];
  regions?: string[];
  /** Delivery time of the first file; later files follow five minutes apart per account and region. */
  start?: Date;
  prefix?: string;
  /** Makes the eventIDs (and so the whole trail) of one run differ from another's. */
  seed?: string;
}

let templates: string[] | undefined;

/**
 * Real records of many services and identity types (the invictus-ir trail, Panther's rule tests,
 * Stratus Red Team detonations), kept as JSON text so each copy is independent.
 */
export function recordTemplates(): string[] {
  if (templates) return templates;
  const fromLogFiles = cloudTrailLogFiles().flatMap(
    (file) => (JSON.parse(readFileSync(file, 'utf8')) as { Records: JsonRecord[] }).Records,
  );
  const panther = (
    JSON.parse(
      readFileSync(
        fixturePath('cloudtrail/panther-analysis/panther_rule_tests_cloudtrail_records.json'),
        'utf8',
      ),
    ) as { Records: JsonRecord[] }
  ).Records;
  templates = [...fromLogFiles, ...panther]
    .filter((r) => typeof r.eventName === 'string' && typeof r.eventSource === 'string')
    .map((r) => JSON.stringify(r));
  return templates;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `AWSLogs/<account>/CloudTrail/<region>/YYYY/MM/DD/<account>_CloudTrail_<region>_<YYYYMMDDTHHmmZ>_<unique>.json.gz` */
export function cloudTrailKey(
  account: string,
  region: string,
  delivered: Date,
  unique: string,
  prefix = '',
): string {
  const y = delivered.getUTCFullYear();
  const m = pad(delivered.getUTCMonth() + 1);
  const d = pad(delivered.getUTCDate());
  const stamp = `${y}${m}${d}T${pad(delivered.getUTCHours())}${pad(delivered.getUTCMinutes())}Z`;
  return `${prefix}AWSLogs/${account}/CloudTrail/${region}/${y}/${m}/${d}/${account}_CloudTrail_${region}_${stamp}_${unique}.json.gz`;
}

function eventIdFor(seed: string, file: number, index: number): string {
  const h = createHash('sha1').update(`${seed}/${file}/${index}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * A realistic trail built from real records: each file holds `recordsPerFile` records copied from the
 * templates in turn, with fresh eventIDs, the file's account and region, and event times in the five
 * minutes before delivery.
 */
export function* syntheticTrail(options: SyntheticTrailOptions): Generator<TrailObject> {
  const all = recordTemplates();
  const accounts = options.accounts ?? ['111122223333', '444455556666'];
  const regions = options.regions ?? ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
  const start = options.start ?? new Date(Date.now() - 60 * 60 * 1000);
  const seed = options.seed ?? 'trail';
  let cursor = 0;
  for (let file = 0; file < options.files; file++) {
    const account = accounts[file % accounts.length]!;
    const region = regions[Math.floor(file / accounts.length) % regions.length]!;
    const slot = Math.floor(file / (accounts.length * regions.length));
    const delivered = new Date(start.getTime() + slot * 5 * 60 * 1000);
    const eventIDs: string[] = [];
    const records: JsonRecord[] = [];
    for (let i = 0; i < options.recordsPerFile; i++) {
      const record = JSON.parse(all[cursor++ % all.length]!) as JsonRecord;
      const eventID = eventIdFor(seed, file, i);
      const eventTime = new Date(
        delivered.getTime() - 5 * 60 * 1000 + (i * 300_000) / options.recordsPerFile,
      );
      record.eventID = eventID;
      record.eventTime = eventTime.toISOString().replace(/\.\d{3}Z$/, 'Z');
      record.awsRegion = region;
      record.recipientAccountId = account;
      eventIDs.push(eventID);
      records.push(record);
    }
    const unique = createHash('sha1').update(`${seed}/${file}`).digest('hex').slice(0, 16);
    yield {
      key: cloudTrailKey(account, region, delivered, unique, options.prefix),
      body: gzipSync(JSON.stringify({ Records: records })),
      eventIDs,
    };
  }
}

/** A file as large as CloudTrail can write one, built fast: `records` small valid records, numbered. */
export interface HugeTrailObject {
  key: string;
  /** gzip of `{"Records":[...]}` */
  body: Buffer;
  records: number;
  eventID(index: number): string;
  /** The record's index in the file, from its eventID; undefined for an eventID not of this file. */
  indexOf(eventID: string): number | undefined;
}

/**
 * Millions of records in seconds: a fixed S3 data event whose eventID carries the seed and the
 * record's index (so a consumer checks them with a counter per index, not a set of strings).
 */
export async function hugeTrailObject(records: number, seed: string, prefix = ''): Promise<HugeTrailObject> {
  const tag = createHash('sha1').update(seed).digest('hex').slice(0, 8);
  const delivered = new Date();
  const eventTime = delivered.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const idPrefix = `${tag}-0000-4000-8000-`;
  const eventIdAt = (index: number) => idPrefix + index.toString(16).padStart(12, '0');
  function* text(): Generator<string> {
    yield '{"Records":[';
    // In pieces: the whole text is near V8's longest string.
    for (let start = 0; start < records; start += 10_000) {
      const piece: string[] = [];
      for (let index = start; index < Math.min(records, start + 10_000); index++) {
        const eventID = eventIdAt(index);
        piece.push(
          `${index === 0 ? '' : ','}{"eventVersion":"1.09","eventTime":"${eventTime}","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","recipientAccountId":"111122223333","readOnly":true,"eventID":"${eventID}"}`,
        );
      }
      yield piece.join('');
    }
    yield ']}';
  }
  const chunks: Buffer[] = [];
  await pipeline(Readable.from(text()), createGzip({ level: 1 }), async (gzipped: AsyncIterable<Buffer>) => {
    for await (const chunk of gzipped) chunks.push(chunk);
  });
  return {
    key: cloudTrailKey('111122223333', 'us-east-1', delivered, tag, prefix),
    body: Buffer.concat(chunks),
    records,
    eventID: eventIdAt,
    indexOf(eventID) {
      if (!eventID.startsWith(idPrefix)) return undefined;
      const index = Number.parseInt(eventID.slice(idPrefix.length), 16);
      return Number.isInteger(index) && index >= 0 && index < records ? index : undefined;
    },
  };
}
