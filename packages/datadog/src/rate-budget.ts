import { sleep } from '@trailstream/retry';

export interface RateBudgetOptions {
  /** Sustained rate: Datadog's organisation limit divided by the number of replicas, with headroom. */
  perSecond: number;
  /** How many may go at once after a quiet spell. */
  burst: number;
}

/**
 * A token bucket shared by every request of one replica. Callers reserve tokens and are told how long to wait,
 * so concurrent callers queue fairly instead of polling.
 */
export class RateBudget {
  readonly #perMs: number;
  readonly #burst: number;
  #tokens: number;
  #updatedAtMs: number;

  constructor(
    options: RateBudgetOptions,
    private readonly now: () => number = Date.now,
  ) {
    if (!(options.perSecond > 0)) throw new Error('rate budget perSecond must be positive');
    if (!(options.burst >= 1)) throw new Error('rate budget burst must be at least 1');
    this.#perMs = options.perSecond / 1000;
    this.#burst = options.burst;
    this.#tokens = options.burst;
    this.#updatedAtMs = now();
  }

  /** Reserves `count` tokens and returns how many milliseconds to wait before using them. */
  reserve(count: number): number {
    const now = this.now();
    this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#updatedAtMs) * this.#perMs);
    this.#updatedAtMs = now;
    this.#tokens -= count;
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens / this.#perMs);
  }

  async take(count: number, signal?: AbortSignal): Promise<void> {
    const waitMs = this.reserve(count);
    if (waitMs > 0) await sleep(waitMs, signal);
    signal?.throwIfAborted();
  }
}
