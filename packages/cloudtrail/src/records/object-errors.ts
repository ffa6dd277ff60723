/**
 * Why a CloudTrail log object cannot be read. Stable strings: they become the dead letter's
 * `reasonClass` and a metric label.
 */
export type ObjectReason =
  | 'truncated-gzip'
  | 'corrupt-gzip'
  | 'not-json'
  | 'no-records'
  | 'record-too-large'
  | 'inflation-limit'
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
