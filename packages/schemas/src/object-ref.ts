import type { Schema } from 'avsc';
import { defineContract, type EncodedMessage, headerText, type MessageHeaders } from './contract.js';
import { objectRefV1, objectRefV2, objectRefV2Fields } from './history/object-ref.js';

export type FoundBy = 'sqs' | 'poll' | 'replay';

/** "This S3 object is a CloudTrail log file to read." Keyed by `s3://bucket/key`. */
export interface ObjectRef {
  bucket: string;
  key: string;
  region: string;
  size: number | null;
  etag: string | null;
  foundBy: FoundBy;
  /** epoch milliseconds */
  discoveredAt: number;
  /** S3's ordering token for events on one key, when the notification carried it. */
  sequencer: string | null;
  /**
   * The S3 version the notification announced, in a versioned bucket: GetObject reads exactly it.
   * null when the notification carries none (an unversioned bucket, a listing, CloudTrail's SNS message).
   */
  versionId: string | null;
}

const objectRefV3: Schema = {
  type: 'record',
  name: 'ObjectRef',
  namespace: 'trailstream',
  fields: [...objectRefV2Fields, { name: 'versionId', type: ['null', 'string'], default: null }],
};

export const objectRefContract = defineContract<ObjectRef>('trailstream.ObjectRef', {
  1: objectRefV1,
  2: objectRefV2,
  3: objectRefV3,
});

/** The Kafka key of an object reference: one object always lands on one partition. */
export function objectRefKey(ref: Pick<ObjectRef, 'bucket' | 'key'>): string {
  return `s3://${ref.bucket}/${ref.key}`;
}

/** The message for a reference, keyed by `objectRefKey`: what every producer of references writes. */
export function objectRefMessage(ref: ObjectRef): EncodedMessage & { key: string } {
  return { key: objectRefKey(ref), ...objectRefContract.encode(ref) };
}

/**
 * Header on an object reference that asks the fetcher-parser to read the object even when it already
 * processed this version (a backfill after a downstream outage). `trailstream replay --force` sets it
 * to `true`; any other value, or none, leaves the duplicate check on.
 */
export const BYPASS_DEDUPE_HEADER = 'trailstream-bypass-dedupe';

/** The reference's message, marked to bypass the fetcher-parser's duplicate check. */
export function bypassingDedupe<M extends EncodedMessage>(message: M): M {
  return { ...message, headers: { ...message.headers, [BYPASS_DEDUPE_HEADER]: 'true' } };
}

export function bypassesDedupe(headers: MessageHeaders | undefined): boolean {
  return headerText(headers, BYPASS_DEDUPE_HEADER) === 'true';
}
