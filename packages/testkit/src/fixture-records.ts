import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fixturesRoot } from './fixtures.js';

export interface FixtureRecord {
  /** Path under the fixtures folder. */
  file: string;
  index: number;
  json: string;
}

type Json = unknown;
const isObject = (value: Json): value is Record<string, Json> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Finds CloudTrail records inside every shape the fixtures come in. */
function recordsIn(value: Json): Record<string, Json>[] {
  if (Array.isArray(value)) return value.flatMap(recordsIn);
  if (!isObject(value)) return [];
  if (
    typeof value.eventTime === 'string' &&
    (typeof value.eventName === 'string' || isObject(value.insightDetails))
  ) {
    return [value];
  }
  if (Array.isArray(value.Records)) return value.Records.flatMap(recordsIn);
  // panther rule tests: {rule_id, record}; streamalert tests: {data}; EventBridge: {detail}.
  if ('record' in value) return recordsIn(value.record);
  if ('data' in value) return recordsIn(value.data);
  if (value['detail-type'] === 'AWS API Call via CloudTrail') return recordsIn(value.detail);
  // CloudWatch Logs subscription payload: each log event's message is one record's JSON.
  if (Array.isArray(value.logEvents)) {
    return value.logEvents.flatMap((logEvent) =>
      isObject(logEvent) && typeof logEvent.message === 'string'
        ? recordsIn(JSON.parse(logEvent.message))
        : [],
    );
  }
  return [];
}

function parseFile(text: string): Json {
  try {
    return JSON.parse(text);
  } catch {
    // NDJSON: one value per line.
    return text
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Json);
  }
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? listFiles(path) : [path];
  });
}

// Not records: S3 notifications, the forwarder's expected output, archives of files already here.
const notRecordFiles = [/tests__events__/, /\.snapshot\.json$/, /\.(zip|gz|txt|md)$/, /LICENSE$/];

/**
 * Every CloudTrail record in the shared fixtures, and the files that do not parse (kept on purpose
 * upstream, e.g. a malformed export).
 */
export function loadFixtureRecords(): { records: FixtureRecord[]; malformedFiles: string[] } {
  const records: FixtureRecord[] = [];
  const malformedFiles: string[] = [];
  for (const path of listFiles(join(fixturesRoot, 'cloudtrail')).sort()) {
    const file = relative(fixturesRoot, path);
    if (notRecordFiles.some((pattern) => pattern.test(file))) continue;
    let parsed: Json;
    try {
      parsed = parseFile(readFileSync(path, 'utf8'));
    } catch {
      malformedFiles.push(file);
      continue;
    }
    recordsIn(parsed).forEach((record, index) => {
      records.push({ file, index, json: JSON.stringify(record) });
    });
  }
  return { records, malformedFiles };
}
