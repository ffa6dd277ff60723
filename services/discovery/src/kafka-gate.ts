import { backoffPolicies, retry } from '@trailstream/retry';
import type { Logger } from '@trailstream/runtime';
import type { Message, Producer } from 'kafkajs';

/**
 * The one producer discovery writes with, and whether Kafka is reachable. Work that ends in a delete
 * or a checkpoint waits here first, so while Kafka is down nothing is taken from a queue in vain.
 */
export class KafkaGate {
  private connected = false;
  private connecting: Promise<void> | null = null;

  constructor(
    private readonly producer: Producer,
    private readonly logger: Logger,
  ) {}

  isReachable(): boolean {
    return this.connected;
  }

  /** Resolves once the producer is connected; retries with backoff until then, or until aborted. */
  async waitUntilReachable(signal: AbortSignal): Promise<void> {
    if (this.connected || signal.aborted) return;
    this.connecting ??= this.connect(signal).finally(() => {
      this.connecting = null;
    });
    // A connect attempt can take many seconds; stopping must not wait for it.
    const aborted = new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    await Promise.race([this.connecting, aborted]);
  }

  /** Sends and resolves once every in-sync replica acknowledged; a failure marks Kafka unreachable. */
  async send(topic: string, messages: Message[], partitionOverride?: number): Promise<void> {
    if (messages.length === 0) return;
    const placed =
      partitionOverride === undefined
        ? messages
        : messages.map((m) => ({ ...m, partition: partitionOverride }));
    try {
      await this.producer.send({ topic, acks: -1, messages: placed });
    } catch (error) {
      this.connected = false;
      throw error;
    }
  }

  async disconnect(): Promise<void> {
    this.connected = false;
    await this.producer.disconnect();
  }

  private async connect(signal: AbortSignal): Promise<void> {
    await retry(
      async (attempt) => {
        await this.producer.connect();
        this.connected = true;
        if (attempt > 1) this.logger.info('Kafka is reachable again');
      },
      {
        policy: backoffPolicies.kafkaConnect,
        isRetriable: () => true,
        signal,
        onRetry: ({ error, delayMs }) =>
          this.logger.warn(
            { err: error, retryInMs: delayMs },
            'Kafka unreachable; waiting before taking more work',
          ),
      },
    ).catch(() => undefined);
  }
}
