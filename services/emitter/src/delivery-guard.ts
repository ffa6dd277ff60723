import { type ApiKeySource, type DatadogClient, type KeyCheck, readApiKey } from '@trailstream/datadog';
import { RetriableError, retry, sleep } from '@trailstream/retry';
import { addLogSecret, type Logger } from '@trailstream/runtime';

export interface DeliveryGuardOptions {
  client: DatadogClient;
  source: ApiKeySource;
  recheckMs: number;
  logger: Logger;
  /** Called when nothing can be delivered: stop consuming. */
  onPaused: () => void;
  /** Called when a check passes again: resume. */
  onResumed: () => void;
  /** A pause of this cause began (true) or ended (false), for the metrics. */
  onPauseChange?: (cause: PauseCause['cause'], paused: boolean) => void;
}

/** Why delivery is paused: Datadog refuses the key, or the address answers in a way no item causes. */
export type PauseCause =
  | { cause: 'key-refused'; status: number }
  | { cause: 'misconfigured'; status: number; reason: string; fix: string };

export const PAUSE_CAUSES: readonly PauseCause['cause'][] = ['key-refused', 'misconfigured'];

/**
 * Tracks whether anything can be delivered. While Datadog refuses the key, or the configured address
 * answers with a status no item causes (a wrong path, a redirect, a proxy asking for credentials),
 * nothing is consumed, so nothing is dead-lettered for a setup error. The key is re-read (a rotated
 * mounted secret) and Datadog probed slowly; the first probe that passes resumes consumption.
 */
export class DeliveryGuard {
  #paused: PauseCause | null = null;
  #rechecking: Promise<void> | null = null;
  readonly #stop = new AbortController();

  constructor(private readonly options: DeliveryGuardOptions) {}

  isValid(): boolean {
    return this.#paused === null;
  }

  /** Validates the key and the address at start. Datadog unreachable is not a verdict: delivery will find out. */
  async checkAtStart(): Promise<void> {
    const check = await this.options.client.validateKey(this.#stop.signal);
    if (check.kind === 'invalid') this.refused(check.status);
    else if (check.kind === 'misconfigured') this.misconfigured(check);
    else if (check.kind === 'unknown') {
      this.options.logger.warn(
        { reason: check.reason },
        'could not validate the Datadog API key at start; continuing',
      );
    } else {
      this.options.logger.info('Datadog accepted the API key');
    }
  }

  /** Datadog answered 401/403. Safe to call from every partition at once. */
  refused(status: number): void {
    if (!this.#pause({ cause: 'key-refused', status })) return;
    this.options.logger.error(
      { status, recheckMs: this.options.recheckMs },
      'Datadog refused the API key: consumption paused, nothing is dead-lettered; fix DD_API_KEY or DD_API_KEY_FILE',
    );
  }

  /** The address answered with a status no item causes. Safe to call from every partition at once. */
  misconfigured(answer: { status: number; reason: string; fix: string }): void {
    if (!this.#pause({ cause: 'misconfigured', ...answer })) return;
    this.options.logger.error(
      { status: answer.status, reason: answer.reason, recheckMs: this.options.recheckMs },
      `Datadog delivery is misconfigured: consumption paused, nothing is dead-lettered; ${answer.fix}`,
    );
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#rechecking;
  }

  /** false when already paused: one log line and one probe loop per pause. */
  #pause(cause: PauseCause): boolean {
    if (this.#paused !== null) return false;
    this.#paused = cause;
    this.options.onPauseChange?.(cause.cause, true);
    this.options.onPaused();
    this.#rechecking = this.#probeUntilAccepted();
    return true;
  }

  async #probeUntilAccepted(): Promise<void> {
    const { recheckMs, logger } = this.options;
    const signal = this.#stop.signal;
    // Datadog refused a moment ago: the first probe waits a whole interval too.
    await sleep(recheckMs, signal);
    const accepted = await retry(() => this.#probe(signal), {
      delayMs: () => recheckMs,
      isRetriable: () => true,
      signal,
      onRetry: ({ error }) =>
        error instanceof ProbeFailed
          ? logger.warn(
              { check: error.check.kind },
              'Datadog delivery still fails its check; consumption stays paused',
            )
          : logger.warn({ err: error }, 'could not check Datadog delivery'),
    }).then(
      () => true,
      () => false,
    );
    if (!accepted || signal.aborted) return;
    const was = this.#paused;
    this.#paused = null;
    if (was) this.options.onPauseChange?.(was.cause, false);
    logger.info(
      was?.cause === 'key-refused'
        ? 'Datadog accepts the API key again: consumption resumed'
        : 'Datadog delivery works again: consumption resumed',
    );
    this.options.onResumed();
  }

  /** Re-reads the key (a rotated mounted secret; it joins the log scrubber) and asks Datadog about it. */
  async #probe(signal: AbortSignal): Promise<void> {
    const { client, source, logger } = this.options;
    if (signal.aborted) throw new Error('stopping');
    const key = await readApiKey(source);
    addLogSecret(logger, key.reveal());
    client.useApiKey(key);
    const check = await client.validateKey(signal);
    if (check.kind !== 'valid') throw new ProbeFailed(check);
  }
}

class ProbeFailed extends RetriableError {
  constructor(readonly check: KeyCheck) {
    super(`Datadog delivery still fails its check (${check.kind})`);
  }
}
