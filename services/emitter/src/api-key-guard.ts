import { type ApiKeySource, type DatadogClient, readApiKey } from '@trailstream/datadog';
import { RetriableError, retry, sleep } from '@trailstream/retry';
import type { Logger } from '@trailstream/runtime';

export interface ApiKeyGuardOptions {
  client: DatadogClient;
  source: ApiKeySource;
  recheckMs: number;
  logger: Logger;
  /** Called when the key stops working: stop consuming. */
  onRefused: () => void;
  /** Called when it works again: resume. */
  onAccepted: () => void;
  onStateChange?: (valid: boolean) => void;
}

/**
 * Tracks whether Datadog accepts the API key. While it refuses it, nothing is consumed (so nothing is
 * dead-lettered for a bad key), and the key is re-read (a rotated mounted secret) and re-validated slowly.
 */
export class ApiKeyGuard {
  #valid = true;
  #rechecking: Promise<void> | null = null;
  readonly #stop = new AbortController();

  constructor(private readonly options: ApiKeyGuardOptions) {}

  isValid(): boolean {
    return this.#valid;
  }

  /** Validates the key at start. Datadog unreachable is not a verdict: delivery will retry and find out. */
  async checkAtStart(): Promise<void> {
    const check = await this.options.client.validateKey(this.#stop.signal);
    if (check.kind === 'invalid') this.refused(check.status);
    else if (check.kind === 'unknown') {
      this.options.logger.warn(
        { reason: check.reason },
        'could not validate the Datadog API key at start; continuing',
      );
      this.options.onStateChange?.(true);
    } else {
      this.options.logger.info('Datadog accepted the API key');
      this.options.onStateChange?.(true);
    }
  }

  /** Datadog answered 401/403. Safe to call from every partition at once. */
  refused(status: number): void {
    if (!this.#valid) return;
    this.#valid = false;
    this.options.onStateChange?.(false);
    this.options.onRefused();
    this.options.logger.error(
      { status, recheckMs: this.options.recheckMs },
      'Datadog refused the API key: consumption paused, nothing is dead-lettered; fix DD_API_KEY or DD_API_KEY_FILE',
    );
    this.#rechecking = this.#recheckUntilAccepted();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#rechecking;
  }

  async #recheckUntilAccepted(): Promise<void> {
    const { recheckMs, logger } = this.options;
    const signal = this.#stop.signal;
    // The key was refused a moment ago: the first check waits a whole interval too.
    await sleep(recheckMs, signal);
    const accepted = await retry(() => this.#checkKey(signal), {
      delayMs: () => recheckMs,
      isRetriable: () => true,
      signal,
      onRetry: ({ error }) =>
        error instanceof KeyStillRefused
          ? logger.warn({ check: error.check }, 'Datadog still refuses the API key; consumption stays paused')
          : logger.warn({ err: error }, 'could not re-check the Datadog API key'),
    }).then(
      () => true,
      () => false,
    );
    if (!accepted || signal.aborted) return;
    this.#valid = true;
    this.options.onStateChange?.(true);
    logger.info('Datadog accepts the API key again: consumption resumed');
    this.options.onAccepted();
  }

  /** Re-reads the key (a rotated mounted secret) and asks Datadog about it. */
  async #checkKey(signal: AbortSignal): Promise<void> {
    const { client, source } = this.options;
    if (signal.aborted) throw new Error('stopping');
    client.useApiKey(await readApiKey(source));
    const check = await client.validateKey(signal);
    if (check.kind !== 'valid') throw new KeyStillRefused(check.kind);
  }
}

class KeyStillRefused extends RetriableError {
  constructor(readonly check: string) {
    super(`Datadog still refuses the API key (${check})`);
  }
}
