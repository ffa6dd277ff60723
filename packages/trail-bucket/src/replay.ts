import type { S3Client } from '@aws-sdk/client-s3';
import {
  dayPrefix,
  decideKey,
  type KeyFilterRules,
  type SkipReason,
  type TrailSource,
  type UtcDay,
  utcDaysBetween,
} from '@trailstream/cloudtrail';
import type { ObjectRef } from '@trailstream/schemas';
import { objectRefFromListing } from './object-refs.js';
import { listFolderPages } from './s3-listing.js';
import { discoverStreams } from './stream-discovery.js';

export interface ReplayRequest {
  source: TrailSource;
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

/**
 * A replay's references, one listing page (up to 1,000 files) of a day folder of one stream per step
 * (never an empty one); iterate it once.
 */
export interface ReplayListing extends AsyncIterable<ObjectRef[]> {
  /** Counted as the listing goes: complete once the iteration has ended. */
  readonly summary: ReplaySummary;
}

/**
 * A reference marked `replay` for every CloudTrail file of a source within a day range, whatever was
 * emitted before: for backfills and re-processing. It keeps no checkpoint. The next listing page is
 * requested only when the caller asks for more, so memory stays bounded by one page and the first
 * references can be worked on while the rest of the range is still unlisted. What a reference becomes (a Kafka
 * message, an object to read) is the caller's business.
 */
export function replayRange(s3: S3Client, request: ReplayRequest): ReplayListing {
  const summary: ReplaySummary = { streams: 0, references: 0, listCalls: 0, skipped: {} };
  return { summary, [Symbol.asyncIterator]: () => listDayFolders(s3, request, summary) };
}

async function* listDayFolders(
  s3: S3Client,
  request: ReplayRequest,
  summary: ReplaySummary,
): AsyncGenerator<ObjectRef[]> {
  const countCall = () => {
    summary.listCalls += 1;
  };
  const streams = await discoverStreams(s3, request.source, request.rules, countCall);
  summary.streams = streams.length;
  const now = Date.now();
  for (const stream of streams) {
    for (const day of utcDaysBetween(request.from, request.to)) {
      const pages = listFolderPages(
        s3,
        request.source.bucket,
        { prefix: dayPrefix(stream, day), startAfter: undefined },
        countCall,
      );
      for await (const listed of pages) {
        const refs: ObjectRef[] = [];
        for (const object of listed) {
          const decision = decideKey(object.key, request.rules);
          if (decision.accepted) {
            refs.push(objectRefFromListing(request.source.bucket, request.region, object, 'replay', now));
          } else {
            summary.skipped[decision.reason] = (summary.skipped[decision.reason] ?? 0) + 1;
          }
        }
        summary.references += refs.length;
        if (refs.length > 0) yield refs;
      }
    }
  }
}
