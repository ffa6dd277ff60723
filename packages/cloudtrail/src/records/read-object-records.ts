import { isUtf8 } from 'node:buffer';
import { type BodyLimits, DEFAULT_MAX_INFLATED_BYTES, decodeObjectBody } from './decode-object-body.js';
import { CloudTrailObjectError } from './object-errors.js';
import { RecordsScanner, type ScannerLimits } from './records-scanner.js';

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

/**
 * Reads a CloudTrail log object (gzip or plain JSON) as a stream and yields its records in order.
 * Memory stays bounded by the largest record, not the object. Throws `CloudTrailObjectError` when the
 * object is unusable; errors of the body stream itself pass through.
 */
export async function* readObjectRecords(
  body: AsyncIterable<Uint8Array>,
  limits: ObjectLimits = defaultObjectLimits,
  /** Sees every inflated byte in order: a digest's `hashValue` is the SHA-256 of exactly these. */
  onInflated: (chunk: Buffer) => void = () => undefined,
): AsyncGenerator<RecordText, void, undefined> {
  const scanner = new RecordsScanner(limits);
  let index = 0;
  for await (const chunk of decodeObjectBody(body, limits)) {
    onInflated(chunk);
    for (const bytes of scanner.write(chunk)) {
      if (!isUtf8(bytes)) throw new CloudTrailObjectError('not-json', `record ${index} is not valid UTF-8`);
      yield { index, json: bytes.toString('utf8') };
      index++;
    }
  }
  scanner.end();
}
