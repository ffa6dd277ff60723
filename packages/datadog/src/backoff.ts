import { type BackoffPolicy, backoffDelay, backoffPolicies } from '@trailstream/retry';

/** Datadog retries wait longer than the pipeline's defaults: an intake under pressure needs room. */
export const datadogBackoff: BackoffPolicy = backoffPolicies.datadog;

/**
 * How long to wait before retry number `attempt` (1 for the first retry). When Datadog named a delay
 * (`Retry-After`, `X-RateLimit-Reset`) it is honoured, plus a little jitter so replicas throttled together
 * do not come back in step; otherwise the pipeline's jittered exponential backoff. Never above `maxMs`.
 */
export function retryDelayMs(
  attempt: number,
  requestedMs: number | null,
  policy: BackoffPolicy = datadogBackoff,
  random: () => number = Math.random,
): number {
  if (requestedMs === null) return backoffDelay(attempt - 1, policy, random);
  return Math.min(policy.maxMs, requestedMs + Math.floor(random() * policy.initialMs));
}
