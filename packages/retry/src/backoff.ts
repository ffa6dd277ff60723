export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  /** Each retry waits up to `initialMs * factor^attempt`, capped at `maxMs`. */
  factor: number;
}

/**
 * Every wait the pipeline makes between attempts, by what it waits for. One place to read them, so two
 * loops retrying the same thing cannot drift apart.
 */
export const backoffPolicies = {
  /** The default for calls to AWS and Kafka that failed after their SDK's own retries. */
  standard: { initialMs: 200, maxMs: 30_000, factor: 2 },
  /** GetObject: throttling, 5xx, timeouts; short, the transaction is retried above it anyway. */
  s3Fetch: { initialMs: 200, maxMs: 10_000, factor: 2 },
  /** A poll cycle or a checkpoint read that failed: the next cycle is not far off. */
  pollCycle: { initialMs: 1_000, maxMs: 30_000, factor: 2 },
  /** Connecting a producer while the brokers are away. */
  kafkaConnect: { initialMs: 500, maxMs: 15_000, factor: 2 },
  /** A handler that threw inside a transaction: the transaction is aborted and the chunk handled again. */
  transaction: { initialMs: 250, maxMs: 15_000, factor: 2 },
  /** The coordinator is still finishing the previous transaction (CONCURRENT_TRANSACTIONS). */
  transactionCoordinator: { initialMs: 50, maxMs: 1_000, factor: 2 },
  /** Datadog under pressure needs room: longer than the pipeline's defaults. */
  datadog: { initialMs: 250, maxMs: 60_000, factor: 2 },
} as const satisfies Record<string, BackoffPolicy>;

/** "Full jitter": a random wait in [0, cap), so many clients retrying at once spread out. */
export function backoffDelay(
  attempt: number,
  policy: BackoffPolicy = backoffPolicies.standard,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxMs, policy.initialMs * policy.factor ** attempt);
  return Math.floor(random() * cap);
}
