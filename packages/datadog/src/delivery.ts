import { type BackoffPolicy, RetriableError, retry } from '@trailstream/retry';
import { datadogBackoff, retryDelayMs } from './backoff.js';
import type { DatadogClient } from './datadog-client.js';
import type { EventPayload, LogEntry } from './payloads.js';
import type { AttemptOutcome } from './response-classification.js';

/** Datadog answered 401/403: the key is wrong, and no item is to blame. */
export class ApiKeyRejectedError extends Error {
  override readonly name = 'ApiKeyRejectedError';

  constructor(readonly status: number) {
    super(`Datadog rejected the API key (HTTP ${status}); fix DD_API_KEY / DD_API_KEY_FILE`);
  }
}

/** Datadog's address answered with a status no item causes: the setup is wrong, and no item is to blame. */
export class DatadogMisconfiguredError extends Error {
  override readonly name = 'DatadogMisconfiguredError';

  constructor(readonly outcome: Extract<AttemptOutcome, { kind: 'misconfigured' }>) {
    super(`Datadog answered ${outcome.reason}: ${outcome.fix}`);
  }
}

export type DeadLetterReason = 'datadog-rejected' | 'datadog-too-large';

export type ItemResult =
  | { accepted: true }
  | { accepted: false; reasonClass: DeadLetterReason; reasonMessage: string };

export interface RetryNotice {
  /** Short and stable, for metrics: `http-429`, `timeout`, `connection`. */
  cause: string;
  reason: string;
  /** 1 for the first retry of this request. */
  attempt: number;
  delayMs: number;
}

export interface DeliveryOptions {
  backoff?: BackoffPolicy;
  /** Aborting stops waiting and retrying; the items stay undelivered and uncommitted. */
  signal?: AbortSignal;
  onRetry?: (notice: RetryNotice) => void;
  random?: () => number;
}

type SettledOutcome = Exclude<
  AttemptOutcome,
  { kind: 'retry' } | { kind: 'key-rejected' } | { kind: 'misconfigured' }
>;

/** Datadog (or the network) said "later", maybe naming when (`Retry-After`). */
class DatadogSaidLater extends RetriableError {
  override readonly name = 'DatadogSaidLater';

  constructor(readonly outcome: Extract<AttemptOutcome, { kind: 'retry' }>) {
    super(outcome.reason, outcome.retryAfterMs);
  }
}

/**
 * Repeats a request while Datadog (or the network) says "later". Transient failures never turn into dead
 * letters: an outage makes the lag grow, and the backoff cap keeps the retries slow.
 */
async function attemptUntilSettled(
  send: () => Promise<AttemptOutcome>,
  options: DeliveryOptions,
): Promise<SettledOutcome> {
  const backoff = options.backoff ?? datadogBackoff;
  try {
    return await retry(
      async () => {
        const outcome = await send();
        if (outcome.kind === 'key-rejected') throw new ApiKeyRejectedError(outcome.status);
        if (outcome.kind === 'misconfigured') throw new DatadogMisconfiguredError(outcome);
        if (outcome.kind === 'retry') throw new DatadogSaidLater(outcome);
        return outcome;
      },
      {
        delayMs: (error, attempt) =>
          retryDelayMs(attempt, (error as DatadogSaidLater).requestedDelayMs, backoff, options.random),
        onRetry: ({ error, attempt, delayMs }) => {
          const { cause, reason } = (error as DatadogSaidLater).outcome;
          options.onRetry?.({ cause, reason, attempt, delayMs });
        },
        signal: options.signal,
      },
    );
  } catch (error) {
    // Retries of a "later" end only when the signal aborts: report the abort, not the last answer.
    if (error instanceof DatadogSaidLater) options.signal?.throwIfAborted();
    throw error;
  }
}

function asItemResult(outcome: SettledOutcome): ItemResult {
  if (outcome.kind === 'accepted') return { accepted: true };
  if (outcome.kind === 'too-large')
    return { accepted: false, reasonClass: 'datadog-too-large', reasonMessage: outcome.reason };
  return { accepted: false, reasonClass: 'datadog-rejected', reasonMessage: outcome.reason };
}

export async function deliverEvent(
  client: DatadogClient,
  event: EventPayload,
  options: DeliveryOptions = {},
): Promise<ItemResult> {
  return asItemResult(await attemptUntilSettled(() => client.sendEvent(event, options.signal), options));
}

/**
 * Delivers a logs batch and returns one result per entry, in order. A 413 or a 400 on several entries splits
 * the batch in halves until the refused entries stand alone, so only they are dead-lettered.
 */
export async function deliverLogs(
  client: DatadogClient,
  entries: readonly LogEntry[],
  options: DeliveryOptions = {},
): Promise<ItemResult[]> {
  if (entries.length === 0) return [];
  const outcome = await attemptUntilSettled(() => client.sendLogs(entries, options.signal), options);
  if (outcome.kind === 'accepted' || entries.length === 1) return entries.map(() => asItemResult(outcome));
  const middle = Math.ceil(entries.length / 2);
  const first = await deliverLogs(client, entries.slice(0, middle), options);
  const second = await deliverLogs(client, entries.slice(middle), options);
  return [...first, ...second];
}
