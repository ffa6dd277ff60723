import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type BackoffPolicy, RetriableError, retry } from '@trailstream/retry';
import { bareEtag } from './etag.js';
import { classifyS3Failure, isPreconditionFailed, type S3Failure } from './s3-failures.js';

export interface FetchPolicy {
  /** Attempts for throttling, 5xx and timeouts before the error goes up (and the transaction is retried). */
  transientAttempts: number;
  /** Attempts for NoSuchKey / AccessDenied before the reference is dead-lettered. */
  unavailableAttempts: number;
  backoff: BackoffPolicy;
}

/** S3 will not give this object: the reference goes to the dead-letter topic. */
export class ObjectUnavailableError extends Error {
  override readonly name = 'ObjectUnavailableError';

  constructor(
    readonly failure: S3Failure,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`GetObject failed after ${attempts} attempt(s): ${(cause as Error).message ?? String(cause)}`, {
      cause,
    });
  }
}

/** A failed GetObject that still has attempts left for its kind of failure. */
class GetObjectRetry extends RetriableError {
  override readonly name = 'GetObjectRetry';

  constructor(
    readonly failure: S3Failure,
    cause: unknown,
  ) {
    super(`GetObject failed (${failure.kind})`, null, { cause });
  }
}

export interface OpenedObject {
  body: AsyncIterable<Uint8Array> & { destroy(): void };
  /** The ETag of what is being read, bare. */
  etag: string | null;
  /** The object's user metadata (`x-amz-meta-*`), such as a digest's signature. */
  metadata: Record<string, string>;
  /**
   * The ETag that was notified when the key had been rewritten since (S3 answered 412 to IfMatch):
   * the body is then the current version, which is not what was notified. null otherwise.
   */
  overwrittenEtag: string | null;
}

/** What was notified about an object: GetObject reads exactly that version or says it is gone. */
export interface ObjectLocation {
  bucket: string;
  key: string;
  /** Pins the read with IfMatch when there is no version id. */
  etag: string | null;
  /** Pins the read to this version in a versioned bucket. */
  versionId: string | null;
}

function isBody(body: unknown): body is OpenedObject['body'] {
  return (
    typeof body === 'object' &&
    body !== null &&
    Symbol.asyncIterator in body &&
    typeof (body as { destroy?: unknown }).destroy === 'function'
  );
}

/**
 * What a failed attempt becomes: another attempt while its kind has some left; then a dead letter for an
 * object S3 will not give, or the error itself for a transient failure (the transaction above retries).
 */
function afterFailedAttempt(error: unknown, attempt: number, policy: FetchPolicy): unknown {
  const failure = classifyS3Failure(error);
  if (failure.kind === 'permanent') return new ObjectUnavailableError(failure, attempt, error);
  const limit = failure.kind === 'transient' ? policy.transientAttempts : policy.unavailableAttempts;
  if (attempt < limit) return new GetObjectRetry(failure, error);
  return failure.kind === 'transient' ? error : new ObjectUnavailableError(failure, attempt, error);
}

/** Which version a GetObject reads: the notified version id, else the notified ETag, else the current one. */
function pinOf(location: ObjectLocation): { VersionId: string } | { IfMatch: string } | Record<never, never> {
  if (location.versionId !== null) return { VersionId: location.versionId };
  if (location.etag !== null && bareEtag(location.etag) !== '')
    return { IfMatch: `"${bareEtag(location.etag)}"` };
  return {};
}

async function getObject(
  s3: S3Client,
  location: ObjectLocation,
  pin: ReturnType<typeof pinOf>,
): Promise<Omit<OpenedObject, 'overwrittenEtag'>> {
  const response = await s3.send(
    new GetObjectCommand({ Bucket: location.bucket, Key: location.key, ...pin }),
  );
  if (!isBody(response.Body)) throw new Error('GetObject returned no readable body');
  return {
    body: response.Body,
    etag: response.ETag ? bareEtag(response.ETag) : null,
    metadata: response.Metadata ?? {},
  };
}

/**
 * The notified version, or, when the key was rewritten since (412 to IfMatch), the current one with the
 * notified ETag as `overwrittenEtag`. CloudTrail never rewrites a file, so the caller reports the loss.
 */
async function getNotifiedVersion(s3: S3Client, location: ObjectLocation): Promise<OpenedObject> {
  const pin = pinOf(location);
  try {
    return { ...(await getObject(s3, location, pin)), overwrittenEtag: null };
  } catch (error) {
    if (!('IfMatch' in pin) || !isPreconditionFailed(error)) throw error;
    return { ...(await getObject(s3, location, {})), overwrittenEtag: bareEtag(location.etag) };
  }
}

/** GetObject as a stream, pinned to what was notified (see `getNotifiedVersion`), retried by the kind of failure. */
export async function openObject(
  s3: S3Client,
  location: ObjectLocation,
  policy: FetchPolicy,
  onRetry: (failure: S3Failure, attempt: number, error: unknown) => void,
): Promise<OpenedObject> {
  return retry(
    async (attempt) => {
      try {
        return await getNotifiedVersion(s3, location);
      } catch (error) {
        throw afterFailedAttempt(error, attempt, policy);
      }
    },
    {
      policy: policy.backoff,
      isRetriable: (error) => error instanceof GetObjectRetry,
      onRetry: ({ error, attempt }) => {
        const { failure, cause } = error as GetObjectRetry;
        onRetry(failure, attempt, cause);
      },
    },
  );
}
