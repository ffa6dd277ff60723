import type { FoundBy, ObjectRef } from '@trailstream/schemas';

/** A listed S3 object, as poll mode and replay find it (its ETag bare). */
export interface ListedObject {
  key: string;
  size: number | null;
  etag: string | null;
}

export function objectRefFromListing(
  bucket: string,
  region: string,
  object: ListedObject,
  foundBy: Exclude<FoundBy, 'sqs'>,
  discoveredAt: number,
): ObjectRef {
  return {
    bucket,
    key: object.key,
    region,
    size: object.size,
    etag: object.etag,
    foundBy,
    discoveredAt,
    sequencer: null,
    versionId: null,
  };
}
