import type { S3Client } from '@aws-sdk/client-s3';
import { dayPrefix, type UtcDay, utcDaysBetween } from '@trailstream/cloudtrail';
import { decideKey, type KeyFilterRules, type SkipReason } from './key-filter.js';
import { objectRefFromListing, objectRefMessage } from './object-refs.js';
import type { PollSource } from './poll-sources.js';
import { listFolderObjects } from './s3-listing.js';
import { discoverStreams } from './stream-discovery.js';

export interface ReplayRequest {
  source: PollSource;
  /** The bucket's region, written into references. */
  region: string;
  from: UtcDay;
  to: UtcDay;
  rules: KeyFilterRules;
}

export interface ReplaySummary {
  streams: number;
  references: number;
  listCalls: number;
  skipped: Partial<Record<SkipReason, number>>;
}

/** Where replayed references go; resolves once Kafka acknowledged them. */
export type SendReferences = (messages: ReturnType<typeof objectRefMessage>[]) => Promise<void>;

/**
 * Emits a reference marked `replay` for every CloudTrail file of a source within a day range, whatever
 * was emitted before: for backfills and re-processing. It keeps no checkpoint; one day folder is sent
 * before the next is listed, so memory stays bounded by a day of one stream.
 */
export async function replayRange(
  s3: S3Client,
  request: ReplayRequest,
  send: SendReferences,
): Promise<ReplaySummary> {
  const summary: ReplaySummary = { streams: 0, references: 0, listCalls: 0, skipped: {} };
  const countCall = () => {
    summary.listCalls += 1;
  };
  const streams = await discoverStreams(s3, request.source, request.rules, countCall);
  summary.streams = streams.length;
  const now = Date.now();
  for (const stream of streams) {
    for (const day of utcDaysBetween(request.from, request.to)) {
      const listed = await listFolderObjects(
        s3,
        request.source.bucket,
        { prefix: dayPrefix(stream, day), startAfter: undefined },
        countCall,
      );
      const refs = [];
      for (const object of listed) {
        const decision = decideKey(object.key, request.rules);
        if (decision.accepted) {
          refs.push(objectRefFromListing(request.source.bucket, request.region, object, 'replay', now));
        } else {
          summary.skipped[decision.reason] = (summary.skipped[decision.reason] ?? 0) + 1;
        }
      }
      if (refs.length > 0) await send(refs.map(objectRefMessage));
      summary.references += refs.length;
    }
  }
  return summary;
}
