import { createHash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  type BodyLimits,
  type CloudTrailFileKind,
  DEFAULT_MAX_INFLATED_BYTES,
  dayPrefix,
  decodeObjectBody,
  everyAccountAndRegion,
  type IntegritySource,
  type LoadedDigest,
  type TrailSource,
  utcDayOf,
  utcDaysBetween,
} from '@trailstream/cloudtrail';
import { type FetchPolicy, ObjectUnavailableError, openObject } from './fetch-object.js';
import { listFolderObjects, type OnListCall } from './s3-listing.js';
import { discoverStreams } from './stream-discovery.js';

const limits: BodyLimits = { maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES };

/** Hex SHA-256 of an object's inflated bytes (gunzipped when it is gzip), as digests record it. */
export async function inflatedSha256(body: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of decodeObjectBody(body, limits)) hash.update(chunk);
  return hash.digest('hex');
}

async function opened(s3: S3Client, bucket: string, key: string, policy: FetchPolicy) {
  try {
    // Digests and the objects they name are read as they are now: the digest is what vouches for them.
    return await openObject(s3, { bucket, key, etag: null, versionId: null }, policy, () => undefined);
  } catch (error) {
    if (error instanceof ObjectUnavailableError && error.failure.kind === 'missing') return null;
    throw error;
  }
}

/**
 * Digests and log file hashes read straight from S3 (GetObject, retried by the fetcher's policy), each
 * bucket through the client `s3For` gives (its source role's, when it names one).
 */
export function s3IntegritySource(s3For: (bucket: string) => S3Client, policy: FetchPolicy): IntegritySource {
  return {
    async loadDigest(bucket, key): Promise<LoadedDigest | null> {
      const object = await opened(s3For(bucket), bucket, key, policy);
      if (object === null) return null;
      const chunks: Buffer[] = [];
      for await (const chunk of decodeObjectBody(object.body, limits)) chunks.push(chunk);
      return { bucket, key, inflated: Buffer.concat(chunks), metadata: object.metadata };
    },
    async logFileHash(bucket, key) {
      const object = await opened(s3For(bucket), bucket, key, policy);
      if (object === null) return null;
      try {
        return await inflatedSha256(object.body);
      } finally {
        object.body.destroy();
      }
    },
  };
}

export interface IntegrityListing {
  digestKeys: string[];
  logFileKeys: string[];
}

/**
 * The digest and log file keys of a source for a time range: every account × region folder of both
 * kinds, day folder by day folder, digests to one hour after `until` (the last hour's digest lands then).
 */
export async function listIntegrityKeys(
  s3: S3Client,
  source: TrailSource,
  range: { since: number; until: number },
  onListCall: OnListCall = () => undefined,
): Promise<IntegrityListing> {
  const kinds: CloudTrailFileKind[] = ['log', 'digest'];
  const streams = await discoverStreams(s3, source, everyAccountAndRegion(), onListCall, kinds);
  const listing: IntegrityListing = { digestKeys: [], logFileKeys: [] };
  const days = utcDaysBetween(utcDayOf(range.since), utcDayOf(range.until + 3_600_000));
  for (const stream of streams) {
    for (const day of days) {
      const objects = await listFolderObjects(
        s3,
        source.bucket,
        { prefix: dayPrefix(stream, day), startAfter: undefined },
        onListCall,
      );
      const keys = objects.map((object) => object.key);
      (stream.kind === 'digest' ? listing.digestKeys : listing.logFileKeys).push(...keys);
    }
  }
  return listing;
}
