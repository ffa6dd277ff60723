import type { Schema } from 'avsc';
import { defineContract, type EncodedMessage } from './contract.js';
import { objectRefV1, objectRefV1Fields } from './history/object-ref.js';

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
}

const objectRefV2: Schema = {
  type: 'record',
  name: 'ObjectRef',
  namespace: 'trailstream',
  fields: [...objectRefV1Fields, { name: 'sequencer', type: ['null', 'string'], default: null }],
};

export const objectRefContract = defineContract<ObjectRef>('trailstream.ObjectRef', {
  1: objectRefV1,
  2: objectRefV2,
});

/** The Kafka key of an object reference: one object always lands on one partition. */
export function objectRefKey(ref: Pick<ObjectRef, 'bucket' | 'key'>): string {
  return `s3://${ref.bucket}/${ref.key}`;
}

/** The message for a reference, keyed by `objectRefKey`: what every producer of references writes. */
export function objectRefMessage(ref: ObjectRef): EncodedMessage & { key: string } {
  return { key: objectRefKey(ref), ...objectRefContract.encode(ref) };
}
