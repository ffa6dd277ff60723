import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  everyAccountAndRegion,
  type KeySkipReason,
  type SkipReason,
  selectCloudTrailKey,
  type TrailSource,
  type UtcDay,
} from '@trailstream/cloudtrail';
import { backoffPolicies } from '@trailstream/retry';
import type { ObjectRef } from '@trailstream/schemas';
import { type FetchPolicy, openObject, replayRange } from '@trailstream/trail-bucket';

/** An object the embedded pipeline reads: its reference, as discovery would emit it, and how to open it. */
export interface SourceObject {
  ref: ObjectRef;
  open(): Promise<AsyncIterable<Uint8Array>>;
}

export interface ObjectSource {
  describe: string;
  objects(): AsyncIterable<SourceObject>;
  /** Files passed over (digests, not CloudTrail), by reason. */
  skipped: Partial<Record<KeySkipReason | SkipReason, number>>;
}

async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.isFile()) yield path;
  }
}

/**
 * A folder laid out like a trail bucket (or any folder of CloudTrail `.json` / `.json.gz` files):
 * keys in the CloudTrail layout are filtered as discovery filters them; other JSON files are read as is.
 */
export function localFolderSource(folder: string, includeInsights = false): ObjectSource {
  const skipped: ObjectSource['skipped'] = {};
  return {
    describe: folder,
    skipped,
    async *objects() {
      for await (const path of walk(folder)) {
        const key = relative(folder, path).split(sep).join('/');
        if (!/\.json(\.gz)?$/.test(key)) continue;
        const selection = selectCloudTrailKey(key, { includeInsights });
        if (!selection.selected && selection.reason !== 'not-cloudtrail') {
          skipped[selection.reason] = (skipped[selection.reason] ?? 0) + 1;
          continue;
        }
        const { size } = await stat(path);
        yield {
          ref: {
            bucket: 'local',
            key,
            region: selection.selected ? selection.key.region : 'local',
            size,
            etag: null,
            foundBy: 'replay',
            discoveredAt: Date.now(),
            sequencer: null,
            versionId: null,
          },
          open: async () => createReadStream(path),
        };
      }
    },
  };
}

export interface S3SourceOptions {
  source: TrailSource;
  region: string;
  from: UtcDay;
  to: UtcDay;
  includeInsights: boolean;
}

const fetchPolicy: FetchPolicy = {
  transientAttempts: 5,
  unavailableAttempts: 2,
  backoff: backoffPolicies.s3Fetch,
};

/**
 * A trail bucket, enumerated by the replay listing `trailstream replay` enqueues from and read with the
 * fetcher's GetObject. References are handed on as each listing page arrives, so the first file is read
 * while later days are still unlisted.
 */
export function s3Source(s3: S3Client, options: S3SourceOptions): ObjectSource {
  const skipped: ObjectSource['skipped'] = {};
  return {
    describe: `s3://${options.source.bucket}/${options.source.basePrefix}`,
    skipped,
    async *objects() {
      const listing = replayRange(s3, {
        source: options.source,
        region: options.region,
        from: options.from,
        to: options.to,
        rules: everyAccountAndRegion({ includeInsights: options.includeInsights }),
      });
      for await (const refs of listing) {
        for (const ref of refs) {
          yield { ref, open: async () => (await openObject(s3, ref, fetchPolicy, () => undefined)).body };
        }
      }
      Object.assign(skipped, listing.summary.skipped);
    },
  };
}
