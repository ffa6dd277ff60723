import type { Schema } from 'avsc';
import { defineContract } from './contract.js';
import { deadLetterV1, deadLetterV1Fields } from './history/dead-letter.js';

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
  /**
   * The original value's length and SHA-256 (hex) when `originalValue` holds only its first bytes
   * because the whole would not fit the dead-letter topic; both null when it is whole.
   */
  originalValueBytes: number | null;
  originalValueSha256: string | null;
  /** The record of an object this letter is about, when one record (not its whole file) failed. */
  originalRecord: DeadLetterRecordOrigin | null;
}

/** Where a record was read: enough to read it again from S3. */
export interface DeadLetterRecordOrigin {
  bucket: string;
  key: string;
  etag: string | null;
  index: number;
}

/** v2: a truncated original value says its length, hash and record; the integrity stage dead-letters too. */
const deadLetterV2: Schema = {
  type: 'record',
  name: 'DeadLetter',
  namespace: 'trailstream',
  fields: [
    {
      name: 'stage',
      type: {
        type: 'enum',
        name: 'Stage',
        symbols: ['discovery', 'fetcher_parser', 'filter_mapper', 'emitter', 'integrity'],
      },
    },
    ...deadLetterV1Fields.slice(1),
    { name: 'originalValueBytes', type: ['null', 'long'], default: null },
    { name: 'originalValueSha256', type: ['null', 'string'], default: null },
    {
      name: 'originalRecord',
      type: [
        'null',
        {
          type: 'record',
          name: 'DeadLetterRecordOrigin',
          fields: [
            { name: 'bucket', type: 'string' },
            { name: 'key', type: 'string' },
            { name: 'etag', type: ['null', 'string'], default: null },
            { name: 'index', type: 'int' },
          ],
        },
      ],
      default: null,
    },
  ],
};

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
