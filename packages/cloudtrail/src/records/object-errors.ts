/**
 * Why a CloudTrail log object cannot be read. Stable strings: they become the dead letter's
 * `reasonClass` and a metric label.
 */
export type ObjectReason = 'truncated-gzip' | 'corrupt-gzip' | 'not-json' | 'no-records' | 'inflation-limit';

/**
 * Why one record of a readable object cannot be forwarded; the rest of the object still is. Stable
 * strings, like `ObjectReason`.
 */
export type RecordReason =
  | 'record-too-large'
  | 'record-too-deep'
  | 'record-not-utf8'
  | 'record-not-json'
  | 'invalid-record';

/** The object itself is unusable: retrying cannot help, so it goes to the dead-letter topic. */
export class CloudTrailObjectError extends Error {
  override readonly name = 'CloudTrailObjectError';

  constructor(
    readonly reason: ObjectReason,
    message: string,
  ) {
    super(message);
  }
}

/** One record is unusable (not JSON, a required field missing): it alone goes to the dead-letter topic. */
export class CloudTrailRecordError extends Error {
  override readonly name = 'CloudTrailRecordError';
  constructor(
    readonly reason: RecordReason,
    message: string,
  ) {
    super(message);
  }
}
