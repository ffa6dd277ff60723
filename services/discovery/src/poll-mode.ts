import { backoffDelay, backoffPolicies, sleep } from '@trailstream/retry';
import { compactedTopic, ensureTopics } from '@trailstream/runtime';
import type { Kafka } from 'kafkajs';
import { type PollerOptions, runPoller } from './poller.js';
import { StreamOwnership } from './stream-ownership.js';

export interface PollModeOptions extends Omit<PollerOptions, 'ownership'> {
  kafka: Kafka;
  checkpointTopic: string;
  checkpointPartitions: number;
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

  private async joinCheckpointGroup(signal: AbortSignal): Promise<StreamOwnership | null> {
    const { kafka, gate, logger } = this.options;
    for (let attempt = 0; !signal.aborted; attempt++) {
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
        if (signal.aborted) break;
        await ensureTopics(kafka, [
          compactedTopic(this.options.checkpointTopic, this.options.checkpointPartitions),
        ]);
        await ownership.start();
        this.ownership = ownership;
        return ownership;
      } catch (error) {
        await ownership.stop().catch(() => undefined);
        const delay = backoffDelay(attempt, backoffPolicies.pollCycle);
        logger.warn({ err: error, retryInMs: delay }, 'could not join the checkpoint group; retrying');
        await sleep(delay, signal);
      }
    }
    return null;
  }
}
