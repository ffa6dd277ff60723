/**
 * What to do about a failed S3 call:
 * - `transient`: throttling, 5xx, timeouts, dropped connections: retry with backoff;
 * - `missing` / `denied`: may heal (a replica catching up, a policy being fixed): retry a few times,
 *   then dead-letter;
 * - `permanent`: anything else S3 refused (an archived object, a wrong region): dead-letter now.
 */
export type S3FailureKind = 'transient' | 'missing' | 'denied' | 'permanent';

export interface S3Failure {
  kind: S3FailureKind;
  /** Stable, for the dead letter's reason class. */
  reasonClass: string;
}

const TRANSIENT_NAMES = new Set([
  'SlowDown',
  'Throttling',
  'ThrottlingException',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'InternalError',
  'ServiceUnavailable',
  'RequestLimitExceeded',
]);

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

export function classifyS3Failure(error: unknown): S3Failure {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : '';
  const code = typeof shape.code === 'string' ? shape.code : '';
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : 0;

  // The source's role could not be assumed (source-credentials.ts): a fix to make, or STS to wait for.
  if (name === 'AssumeRoleError') {
    return (error as { transient?: unknown }).transient === true
      ? { kind: 'transient', reasonClass: 'sts-unavailable' }
      : { kind: 'denied', reasonClass: 'assume-role-denied' };
  }
  if (name === 'NoSuchKey' || name === 'NotFound' || name === 'NoSuchBucket' || status === 404) {
    return { kind: 'missing', reasonClass: name === 'NoSuchBucket' ? 'no-such-bucket' : 'no-such-key' };
  }
  if (name === 'AccessDenied' || status === 403) return { kind: 'denied', reasonClass: 'access-denied' };
  if (TRANSIENT_NAMES.has(name) || NETWORK_CODES.has(code) || status === 429 || status >= 500) {
    return { kind: 'transient', reasonClass: 's3-unavailable' };
  }
  if (status >= 300) return { kind: 'permanent', reasonClass: 's3-rejected' };
  // No HTTP answer at all: a client-side failure, most likely the network.
  return { kind: 'transient', reasonClass: 's3-unavailable' };
}

/** S3's answer to an IfMatch that no longer matches: the key was rewritten since it was notified. */
export function isPreconditionFailed(error: unknown): boolean {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  return shape.name === 'PreconditionFailed' || shape.$metadata?.httpStatusCode === 412;
}
