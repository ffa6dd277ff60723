import { isUtf8 } from 'node:buffer';
import type { CloudTrailRecord, RecordOrigin } from '@trailstream/schemas';
import { type BodyLimits, DEFAULT_MAX_INFLATED_BYTES, decodeObjectBody } from './decode-object-body.js';
import { CloudTrailRecordError, type RecordReason } from './object-errors.js';
import { RecordsScanner, type ScannerLimits } from './records-scanner.js';
import { toCloudTrailRecord } from './to-cloudtrail-record.js';

/** CloudTrail caps an event at 256 KB; twice that leaves room and stays under Kafka's default 1 MB message. */
export const DEFAULT_MAX_RECORD_BYTES = 512 * 1024;

export type ObjectLimits = BodyLimits & ScannerLimits;

export const defaultObjectLimits: ObjectLimits = {
  maxInflatedBytes: DEFAULT_MAX_INFLATED_BYTES,
  maxRecordBytes: DEFAULT_MAX_RECORD_BYTES,
};

/** One element of an object's `Records`, as the exact text CloudTrail wrote. */
export interface RecordText {
  /** Position in the `Records` array, from 0. */
  index: number;
  json: string;
}

/** A record that cannot be forwarded, with what its dead letter keeps of it. */
export interface RecordFailure {
  index: number;
  reason: RecordReason;
  message: string;
  /** The record's bytes, or only its start when it was too large to hold. */
  raw: Buffer;
  /** The whole record's length and SHA-256 when `raw` is only its start. */
  whole: { bytes: number; sha256: string } | null;
}

/**
 * Reads a CloudTrail log object (gzip or plain JSON) as a stream and yields its records in order, or
 * for a record that cannot be used, why. Memory stays bounded by the largest record, not the object.
 * Throws `CloudTrailObjectError` when the object itself is unusable (gzip, JSON framing); errors of the
 * body stream itself pass through.
 */
export async function* readObjectRecords(
  body: AsyncIterable<Uint8Array>,
  limits: ObjectLimits = defaultObjectLimits,
  /** Sees every inflated byte in order: a digest's `hashValue` is the SHA-256 of exactly these. */
  onInflated: (chunk: Buffer) => void = () => undefined,
): AsyncGenerator<RecordText | RecordFailure, void, undefined> {
  const scanner = new RecordsScanner(limits);
  let index = 0;
  for await (const chunk of decodeObjectBody(body, limits)) {
    onInflated(chunk);
    for (const scanned of scanner.write(chunk)) {
      if (!Buffer.isBuffer(scanned)) {
        const { reason, message, head, whole } = scanned;
        yield { index, reason, message, raw: head, whole };
      } else if (!isUtf8(scanned)) {
        const message = `record ${index} is not valid UTF-8`;
        yield { index, reason: 'record-not-utf8', message, raw: scanned, whole: null };
      } else {
        yield { index, json: scanned.toString('utf8') };
      }
      index++;
    }
  }
  scanner.end();
}

export type ObjectSource = Omit<RecordOrigin, 'index'>;

/**
 * An object's records as record messages, each or why it cannot be one: what fetcher-parser and the
 * embedded `trailstream run` forward, by the same rules.
 */
export async function* readCloudTrailRecords(
  body: AsyncIterable<Uint8Array>,
  source: ObjectSource,
  limits: ObjectLimits = defaultObjectLimits,
  onInflated?: (chunk: Buffer) => void,
): AsyncGenerator<{ record: CloudTrailRecord } | { failure: RecordFailure }, void, undefined> {
  for await (const read of readObjectRecords(body, limits, onInflated)) {
    if (!('json' in read)) {
      yield { failure: read };
      continue;
    }
    try {
      yield { record: toCloudTrailRecord(read.json, { ...source, index: read.index }) };
    } catch (error) {
      if (!(error instanceof CloudTrailRecordError)) throw error;
      const failure: RecordFailure = {
        index: read.index,
        reason: error.reason,
        message: error.message,
        raw: Buffer.from(read.json),
        whole: null,
      };
      yield { failure };
    }
  }
}
