export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Each retry waits up to `initialMs * factor^attempt`, capped at `maxMs`. */
  factor: number;
}

export const defaultBackoff: BackoffPolicy = { initialMs: 200, maxMs: 30_000, factor: 2 };

/** "Full jitter": a random wait in [0, cap), so many clients retrying at once spread out. */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = defaultBackoff,
  random = Math.random,
): number {
  const cap = Math.min(policy.maxMs, policy.initialMs * policy.factor ** attempt);
  return Math.floor(random() * cap);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  policy?: BackoffPolicy;
  isRetryable: (error: unknown) => boolean;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/** Runs `work` until it succeeds, a non-retryable error is thrown, or the attempts are used up. */
export async function retryWithBackoff<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt + 1 >= options.attempts || !options.isRetryable(error) || options.signal?.aborted)
        throw error;
      const delay = backoffDelay(attempt, options.policy);
      options.onRetry?.(error, attempt + 1, delay);
      await sleep(delay, options.signal);
    }
  }
}
