import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { type BackoffPolicy, backoffDelay, sleep } from '@trailstream/retry';
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

export interface OpenedObject {
  body: AsyncIterable<Uint8Array> & { destroy(): void };
  etag: string | null;
}

function isBody(body: unknown): body is OpenedObject['body'] {
  return (
    typeof body === 'object' &&
    body !== null &&
    Symbol.asyncIterator in body &&
    typeof (body as { destroy?: unknown }).destroy === 'function'
  );
}

/** GetObject as a stream, retried by the kind of failure. */
export async function openObject(
  s3: S3Client,
  location: { bucket: string; key: string },
  policy: FetchPolicy,
  onRetry: (failure: S3Failure, attempt: number, error: unknown) => void,
): Promise<OpenedObject> {
  for (let attempt = 1; ; attempt++) {
    try {
      const response = await s3.send(new GetObjectCommand({ Bucket: location.bucket, Key: location.key }));
      if (!isBody(response.Body)) throw new Error('GetObject returned no readable body');
      return { body: response.Body, etag: response.ETag ?? null };
    } catch (error) {
      const failure = classifyS3Failure(error);
      if (failure.kind === 'permanent') throw new ObjectUnavailableError(failure, attempt, error);
      const limit = failure.kind === 'transient' ? policy.transientAttempts : policy.unavailableAttempts;
      if (attempt >= limit) {
        if (failure.kind === 'transient') throw error;
        throw new ObjectUnavailableError(failure, attempt, error);
      }
      onRetry(failure, attempt, error);
      await sleep(backoffDelay(attempt - 1, policy.backoff));
    }
  }
}
