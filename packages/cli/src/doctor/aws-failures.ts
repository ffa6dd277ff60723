/** Why an AWS call failed, as far as a check needs to know. */
export type AwsFailureKind =
  /** The credentials lack the permission (IAM, a bucket policy, an SCP or a KMS key policy). */
  | 'denied'
  /** The trail, bucket, key or queue does not exist. */
  | 'missing'
  /** The credentials are not valid in that region: an opt-in region not enabled, or bad keys. */
  | 'unrecognized-client'
  /** No credentials were found at all. */
  | 'no-credentials'
  | 'other';

export interface AwsFailure {
  kind: AwsFailureKind;
  /** What AWS said, one line; never a credential. */
  message: string;
}

/** One AWS call a check made: what it needs and where, and how it ended. */
export type AwsOutcome<T> = { ok: true; value: T } | { ok: false; failure: AwsFailure; call: AwsCall };

export interface AwsCall {
  /** The IAM action, e.g. `cloudtrail:GetTrailStatus`. */
  permission: string;
  /** The resource ARN the action is on (`*` when it takes none). */
  resource: string;
}

const DENIED = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'AuthorizationError',
  'UnauthorizedOperation',
  'InsufficientS3BucketPolicyException',
]);
const MISSING = new Set([
  'NoSuchBucket',
  'NoSuchKey',
  'NotFound',
  'TrailNotFoundException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
]);
const UNRECOGNIZED = new Set([
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
]);

interface SdkErrorShape {
  name?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** Sorts an AWS SDK error (CloudTrail's JSON, S3's XML, SQS' query or JSON protocol) into what a check reports. */
export function classifyAwsFailure(error: unknown): AwsFailure {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = typeof shape.name === 'string' ? shape.name : 'Error';
  const status = typeof shape.$metadata?.httpStatusCode === 'number' ? shape.$metadata.httpStatusCode : 0;
  const text = typeof shape.message === 'string' && shape.message !== '' ? shape.message : name;
  // S3 sends no body with a denied HEAD (nor some emulators with a denied GET): the SDK then knows only the status.
  const message = name === 'Unknown' && status > 0 ? `HTTP ${status}` : `${name}: ${text.split('\n')[0]}`;
  if (name === 'CredentialsProviderError') return { kind: 'no-credentials', message };
  if (DENIED.has(name)) return { kind: 'denied', message };
  if (MISSING.has(name)) return { kind: 'missing', message };
  if (UNRECOGNIZED.has(name)) return { kind: 'unrecognized-client', message };
  if (status === 403) return { kind: 'denied', message };
  if (status === 404) return { kind: 'missing', message };
  return { kind: 'other', message };
}

/** Runs one AWS call; a failure becomes an outcome a check reports, never an exception. */
export async function attempt<T>(call: AwsCall, run: () => Promise<T>): Promise<AwsOutcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, failure: classifyAwsFailure(error), call };
  }
}
