import type { Schema } from 'avsc';

/** v1: the first dead letter, before a truncated original value said its length, hash and source. */
/** The fields of v1, which later versions keep as they are. */
export const deadLetterV1Fields: { name: string; type: Schema; default?: null | []; doc?: string }[] = [
  {
    name: 'stage',
    type: {
      type: 'enum',
      name: 'Stage',
      symbols: ['discovery', 'fetcher_parser', 'filter_mapper', 'emitter'],
    },
  },
  { name: 'reasonClass', type: 'string' },
  { name: 'reasonMessage', type: 'string' },
  { name: 'attempts', type: 'int' },
  { name: 'failedAt', type: 'long', doc: 'epoch milliseconds' },
  { name: 'originalKey', type: ['null', 'bytes'], default: null },
  { name: 'originalValue', type: ['null', 'bytes'], default: null },
  {
    name: 'originalHeaders',
    type: {
      type: 'array',
      items: {
        type: 'record',
        name: 'DeadLetterHeader',
        fields: [
          { name: 'key', type: 'string' },
          { name: 'value', type: 'bytes' },
        ],
      },
    },
    default: [],
  },
  { name: 'originalTopic', type: ['null', 'string'], default: null },
  { name: 'originalPartition', type: ['null', 'int'], default: null },
  { name: 'originalOffset', type: ['null', 'string'], default: null },
];

export const deadLetterV1: Schema = {
  type: 'record',
  name: 'DeadLetter',
  namespace: 'trailstream',
  fields: deadLetterV1Fields,
};
