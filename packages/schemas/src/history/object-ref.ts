import type { Schema } from 'avsc';

/** The fields of v1, which later versions keep as they are. */
export const objectRefV1Fields: { name: string; type: Schema; default?: null; doc?: string }[] = [
  { name: 'bucket', type: 'string' },
  { name: 'key', type: 'string' },
  { name: 'region', type: 'string' },
  { name: 'size', type: ['null', 'long'], default: null },
  { name: 'etag', type: ['null', 'string'], default: null },
  { name: 'foundBy', type: { type: 'enum', name: 'FoundBy', symbols: ['sqs', 'poll', 'replay'] } },
  { name: 'discoveredAt', type: 'long', doc: 'epoch milliseconds' },
];

/** v1: the first object reference, before S3's sequencer was carried. */
export const objectRefV1: Schema = {
  type: 'record',
  name: 'ObjectRef',
  namespace: 'trailstream',
  fields: objectRefV1Fields,
};

/** The fields of v2 (v1 and S3's sequencer), which later versions keep as they are. */
export const objectRefV2Fields: typeof objectRefV1Fields = [
  ...objectRefV1Fields,
  { name: 'sequencer', type: ['null', 'string'], default: null },
];

/** v2: v1 and the sequencer, before the version id of a versioned bucket was carried. */
export const objectRefV2: Schema = {
  type: 'record',
  name: 'ObjectRef',
  namespace: 'trailstream',
  fields: objectRefV2Fields,
};
