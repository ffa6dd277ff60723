import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type BackoffPolicy, RetriableError, retry } from '@trailstream/retry';
import { classifyS3Failure, type S3Failure } from './s3-failures.js';

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
  etag: string | null;
  /** The object's user metadata (`x-amz-meta-*`), such as a digest's signature. */
  metadata: Record<string, string>;
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

/** GetObject as a stream, retried by the kind of failure. */
export async function openObject(
  s3: S3Client,
  location: { bucket: string; key: string },
  policy: FetchPolicy,
  onRetry: (failure: S3Failure, attempt: number, error: unknown) => void,
): Promise<OpenedObject> {
  return retry(
    async (attempt) => {
      try {
        const response = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
        if (!isBody(response.Body)) throw new Error('GetObject returned no readable body');
        return { body: response.Body, etag: response.ETag ?? null, metadata: response.Metadata ?? {} };
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
