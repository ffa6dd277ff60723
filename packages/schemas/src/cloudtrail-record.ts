import type { Schema } from 'avsc';
import { defineContract } from './contract.js';

/** Where a record was read from: the object and the record's position in its `Records` array. */
export interface RecordOrigin {
  bucket: string;
  key: string;
  etag: string | null;
  index: number;
}

/**
 * One CloudTrail record: the fields routing and filtering need, and the record's own JSON untouched.
 * Keyed by eventID.
 */
export interface CloudTrailRecord {
  eventID: string;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  recipientAccountId: string | null;
  readOnly: boolean | null;
  errorCode: string | null;
  identityType: string | null;
  principal: string | null;
  sourceIPAddress: string | null;
  /** The record exactly as CloudTrail wrote it. */
  json: string;
  origin: RecordOrigin;
}

const nullableString = (name: string) => ({ name, type: ['null', 'string'], default: null });

const cloudTrailRecordV1: Schema = {
  type: 'record',
  name: 'CloudTrailRecord',
  namespace: 'trailstream',
  fields: [
    { name: 'eventID', type: 'string' },
    { name: 'eventTime', type: 'string' },
    { name: 'eventSource', type: 'string' },
    { name: 'eventName', type: 'string' },
    { name: 'awsRegion', type: 'string' },
    nullableString('recipientAccountId'),
    { name: 'readOnly', type: ['null', 'boolean'], default: null },
    nullableString('errorCode'),
    nullableString('identityType'),
    nullableString('principal'),
    nullableString('sourceIPAddress'),
    { name: 'json', type: 'string' },
    {
      name: 'origin',
      type: {
        type: 'record',
        name: 'RecordOrigin',
        fields: [
          { name: 'bucket', type: 'string' },
          { name: 'key', type: 'string' },
          nullableString('etag'),
          { name: 'index', type: 'int' },
        ],
      },
    },
  ],
};

export const cloudTrailRecordContract = defineContract<CloudTrailRecord>('trailstream.CloudTrailRecord', {
  1: cloudTrailRecordV1,
});
