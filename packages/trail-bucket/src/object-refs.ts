import type { NotifiedObject } from '@trailstream/cloudtrail';
import { type FoundBy, type ObjectRef, objectRefContract, objectRefKey } from '@trailstream/schemas';
import type { Message } from 'kafkajs';

export function objectRefFromNotification(
  object: NotifiedObject,
  defaultRegion: string,
  discoveredAt: number,
): ObjectRef {
  return {
    bucket: object.bucket,
    key: object.key,
    region: object.region ?? defaultRegion,
    size: object.size,
    etag: object.etag,
    foundBy: 'sqs',
    discoveredAt,
    sequencer: object.sequencer,
  };
}

/** A listed S3 object, as poll mode and replay find it. */
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
  };
}

/** The Kafka message for a reference, keyed by `s3://bucket/key` so one object always lands on one partition. */
export function objectRefMessage(ref: ObjectRef): Message {
  const encoded = objectRefContract.encode(ref);
  return { key: objectRefKey(ref), value: encoded.value, headers: encoded.headers };
}
