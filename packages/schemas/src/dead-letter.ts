import type { Schema } from 'avsc';
import { defineContract } from './contract.js';

export type Stage = 'discovery' | 'fetcher-parser' | 'filter-mapper' | 'emitter' | 'integrity';

export interface DeadLetterHeader {
  key: string;
  value: Buffer;
}

/** Something a stage could not handle, kept whole with the reason so nothing is ever dropped. */
export interface DeadLetter {
  stage: Stage;
  /** A short stable class for metrics and triage, e.g. `truncated-gzip`, `unknown-notification`. */
  reasonClass: string;
  reasonMessage: string;
  attempts: number;
  /** epoch milliseconds */
  failedAt: number;
  originalKey: Buffer | null;
  originalValue: Buffer | null;
  originalHeaders: DeadLetterHeader[];
  originalTopic: string | null;
  originalPartition: number | null;
  originalOffset: string | null;
}

const deadLetterV1: Schema = {
  type: 'record',
  name: 'DeadLetter',
  namespace: 'trailstream',
  fields: [
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
  ],
};

/** v2: the integrity stage dead-letters too. */
const deadLetterV2: Schema = {
  ...deadLetterV1,
  fields: [
    {
      name: 'stage',
      type: {
        type: 'enum',
        name: 'Stage',
        symbols: ['discovery', 'fetcher_parser', 'filter_mapper', 'emitter', 'integrity'],
      },
    },
    ...(deadLetterV1 as { fields: object[] }).fields.slice(1),
  ],
} as Schema;

/** Avro enum symbols cannot hold '-', so stages travel with '_' and are read back with '-'. */
const toWire = (letter: DeadLetter) => ({ ...letter, stage: letter.stage.replace('-', '_') });
const fromWire = (wire: DeadLetter): DeadLetter => ({
  ...wire,
  stage: wire.stage.replace('_', '-') as Stage,
});

export const deadLetterContract = defineContract<DeadLetter>(
  'trailstream.DeadLetter',
  { 1: deadLetterV1, 2: deadLetterV2 },
  { toWire, fromWire },
);
