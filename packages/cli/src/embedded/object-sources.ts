import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { type KeySkipReason, selectCloudTrailKey, type UtcDay } from '@trailstream/cloudtrail';
import { type KeyFilterRules, type PollSource, replayRange, type SkipReason } from '@trailstream/discovery';
import { openObject } from '@trailstream/fetcher-parser';
import { backoffPolicies } from '@trailstream/retry';
import { type ObjectRef, objectRefContract } from '@trailstream/schemas';

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
          },
          open: async () => createReadStream(path),
        };
      }
    },
  };
}

export interface S3SourceOptions {
  source: PollSource;
  region: string;
  from: UtcDay;
  to: UtcDay;
  includeInsights: boolean;
}

/** A trail bucket, enumerated by discovery's own replay listing and read with the fetcher's GetObject. */
export function s3Source(s3: S3Client, options: S3SourceOptions): ObjectSource {
  const skipped: ObjectSource['skipped'] = {};
  return {
    describe: `s3://${options.source.bucket}/${options.source.basePrefix}`,
    skipped,
    async *objects() {
      const refs: ObjectRef[] = [];
      const summary = await replayRange(
        s3,
        {
          source: options.source,
          region: options.region,
          from: options.from,
          to: options.to,
          rules: everyAccountAndRegion(options.includeInsights),
        },
        async (messages) => {
          for (const message of messages)
            refs.push(objectRefContract.decode(message.value as Buffer, message.headers));
        },
      );
      Object.assign(skipped, summary.skipped);
      for (const ref of refs) {
        yield {
          ref,
          open: async () =>
            (
              await openObject(
                s3,
                ref,
                { transientAttempts: 5, unavailableAttempts: 2, backoff: backoffPolicies.s3Fetch },
                () => undefined,
              )
            ).body,
        };
      }
    },
  };
}

/** Discovery's key filter with no account or region lists: every CloudTrail log file of the trail. */
export function everyAccountAndRegion(includeInsights: boolean): KeyFilterRules {
  const none = new Set<string>();
  return { includeInsights, accountsAllow: none, accountsDeny: none, regionsAllow: none, regionsDeny: none };
}
