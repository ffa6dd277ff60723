import { backoffPolicies, retry } from '@trailstream/retry';
import type { Kafka } from 'kafkajs';
import { type PollerOptions, runPoller } from './poller.js';
import { StreamOwnership } from './stream-ownership.js';

export interface PollModeOptions extends Omit<PollerOptions, 'ownership'> {
  kafka: Kafka;
  checkpointTopic: string;
  groupId: string;
  sessionTimeoutMs: number;
}

/** Poll mode's life: join the checkpoint group once Kafka is reachable (retrying), then poll until stopped. */
export class PollMode {
  private ownership: StreamOwnership | null = null;

  constructor(private readonly options: PollModeOptions) {}

  /** True once this replica is in the checkpoint group and polling. */
  isStarted(): boolean {
    return this.ownership !== null;
  }

  async run(signal: AbortSignal): Promise<void> {
    const ownership = await this.joinCheckpointGroup(signal);
    if (ownership) await runPoller({ ...this.options, ownership }, signal);
  }

  async stop(): Promise<void> {
    await this.ownership?.stop();
    this.ownership = null;
  }

  /** Resolves with the joined group, or null once stopped; every failure is retried with backoff. */
  private joinCheckpointGroup(signal: AbortSignal): Promise<StreamOwnership | null> {
    const { kafka, gate, logger } = this.options;
    return retry(
      async () => {
        const ownership = new StreamOwnership({
          kafka,
          gate,
          logger,
          checkpointTopic: this.options.checkpointTopic,
          groupId: this.options.groupId,
          sessionTimeoutMs: this.options.sessionTimeoutMs,
        });
        try {
          await gate.waitUntilReachable(signal);
          if (signal.aborted) return null;
          await ownership.start();
        } catch (error) {
          await ownership.stop().catch(() => undefined);
          throw error;
        }
        this.ownership = ownership;
        return ownership;
      },
      {
        policy: backoffPolicies.pollCycle,
        isRetriable: () => true,
        signal,
        onRetry: ({ error, delayMs }) =>
          logger.warn({ err: error, retryInMs: delayMs }, 'could not join the checkpoint group; retrying'),
      },
    ).catch(() => null);
  }
}
