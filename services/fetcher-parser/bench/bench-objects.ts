import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip, gunzipSync } from 'node:zlib';
import { cloudTrailKey, recordTemplates } from '@trailstream/testkit';

export interface LargeObject {
  key: string;
  path: string;
  records: number;
  compressedBytes: number;
  inflatedBytes: number;
}

/**
 * Writes one gzip log object of about `inflatedBytes`, built from the real record templates with fresh
 * eventIDs (and the eventTime and awsRegion some templates lack). One record per line (valid JSON, CloudTrail's shape) so the floor can parse it record by
 * record: V8 cannot hold a string over ~512 MiB, so nobody can `JSON.parse` such a file whole.
 */
export async function writeLargeObject(path: string, inflatedBytes: number): Promise<LargeObject> {
  const templates = recordTemplates().map((text) => JSON.parse(text) as Record<string, unknown>);
  const gzip = createGzip();
  const file = createWriteStream(path);
  gzip.pipe(file);
  let written = 0;
  let records = 0;
  const write = async (text: string) => {
    written += Buffer.byteLength(text);
    if (!gzip.write(text)) await once(gzip, 'drain');
  };
  await write('{"Records":[\n');
  while (written < inflatedBytes) {
    const record = {
      ...templates[records % templates.length]!,
      eventID: `large-${records}`,
      eventTime: '2024-05-01T10:00:00Z',
      awsRegion: 'us-east-1',
    };
    await write(`${records === 0 ? '' : ',\n'}${JSON.stringify(record)}`);
    records++;
  }
  await write('\n]}\n');
  gzip.end();
  await once(file, 'close');
  const key = cloudTrailKey('123456789012', 'us-east-1', new Date(), `large${Date.now()}`);
  return { key, path, records, compressedBytes: (await stat(path)).size, inflatedBytes: written };
}

/** The floor for typical files: gunzip and `JSON.parse` each whole, in this process. */
export function parseWhole(bodies: Buffer[]): number {
  let records = 0;
  for (const body of bodies) {
    records += (JSON.parse(gunzipSync(body).toString()) as { Records: unknown[] }).Records.length;
  }
  return records;
}

/** The floor for the large file: gunzip, then `JSON.parse` every record line. */
export async function parseLargeByLines(path: string): Promise<number> {
  let records = 0;
  const lines = createInterface({ input: createReadStream(path).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.startsWith('{"') || line === '{"Records":[') continue;
    JSON.parse(line.endsWith(',') ? line.slice(0, -1) : line);
    records++;
  }
  return records;
}
