import { type BackoffPolicy, backoffDelay, backoffPolicies } from './backoff.js';
import { sleep } from './sleep.js';

/** Errors say themselves whether trying again can help, as kafkajs' errors do. */
export interface MaybeRetriable {
  readonly retriable?: boolean;
}

/** True for an error that carries `retriable: true`. */
export function isRetriable(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as MaybeRetriable).retriable === true;
}

/** An error worth another attempt, optionally after a wait the failing side asked for (`Retry-After`). */
export class RetriableError extends Error {
  override readonly name: string = 'RetriableError';
  readonly retriable = true;

  constructor(
    message: string,
    readonly requestedDelayMs: number | null = null,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface RetryNotice {
  error: unknown;
  /** 1 for the first retry. */
  attempt: number;
  delayMs: number;
}

export interface RetryOptions {
  policy?: BackoffPolicy;
  /** Attempts in all, the first included; without it, retriable errors are retried until `signal` aborts. */
  attempts?: number;
  /** Which errors are worth another attempt; by default those that say so (`retriable: true`). */
  isRetriable?: (error: unknown) => boolean;
  /** The wait before retry `attempt` (1 for the first); by default the policy's jittered backoff. */
  delayMs?: (error: unknown, attempt: number) => number;
  onRetry?: (notice: RetryNotice) => void;
  /** Aborting ends the wait at once and rethrows the last error. */
  signal?: AbortSignal;
}

/** Runs `work` until it succeeds, throws what is not retriable, uses its attempts up, or is aborted. */
export async function retry<T>(
  work: (attempt: number) => Promise<T>,
  options: RetryOptions = {},
): Promise<T> {
  const policy = options.policy ?? backoffPolicies.standard;
  const attempts = options.attempts ?? Number.POSITIVE_INFINITY;
  const retriable = options.isRetriable ?? isRetriable;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= attempts || !retriable(error) || options.signal?.aborted) throw error;
      const delayMs = options.delayMs?.(error, attempt) ?? backoffDelay(attempt - 1, policy);
      options.onRetry?.({ error, attempt, delayMs });
      await sleep(delayMs, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}
