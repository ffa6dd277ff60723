import { DeadLetterPublisher, type StageContext, type StartedStage } from '@trailstream/runtime';
import { Partitioners } from 'kafkajs';
import type { DiscoverySettings } from './config.js';
import { KafkaGate } from './kafka-gate.js';
import { createDiscoveryMetrics } from './metrics.js';
import { PollMode } from './poll-mode.js';
import { QueueHealth, runSqsReceiver } from './sqs-receiver.js';
import { StuckDeadLetters } from './stuck-dead-letters.js';

export type DiscoveryOptions = DiscoverySettings & StageContext;

export interface RunningDiscovery extends StartedStage {
  /**
   * Kafka reachable, every queue answering, no unreadable message whose dead letter cannot be
   * published, and (in poll mode) the checkpoint group joined.
   */
  isReady(): boolean;
}

/**
 * Starts SQS receivers and the poller as configured. Nothing here needs Kafka up: work waits for it.
 * What AWS still fails after the SDK's retries is retried by the loops, never given up on.
 */
export async function startDiscovery(options: DiscoveryOptions): Promise<RunningDiscovery> {
  const { kafka, logger, registry, aws } = options;
  // At least once: a retried send may duplicate a reference, which fetcher-parser recognises and skips.
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const gate = new KafkaGate(producer, logger.child({ component: 'kafka' }));
  const deadLetters = new DeadLetterPublisher(producer, options.deadLetterTopic, 'discovery', registry);
  const metrics = createDiscoveryMetrics(
    registry,
    new Set([...options.metricBuckets, ...options.pollSources.map((source) => source.bucket)]),
  );
  const queueHealth = new QueueHealth();
  const stuckDeadLetters = new StuckDeadLetters({
    alertAgeMs: options.sqs.deadLetterAlertAgeMs,
    // A kept message comes back every visibility timeout; unseen for ten of them, it left the queue.
    forgetAfterMs: options.sqs.visibilityTimeoutSeconds * 10_000,
    metrics,
    logger: logger.child({ component: 'sqs' }),
  });
  const abort = new AbortController();
  const tasks: Promise<void>[] = [];

  for (const queueUrl of options.sqs.queueUrls) {
    const receiver = {
      sqs: aws.sqsFor(queueUrl),
      queueUrl,
      gate,
      deadLetters,
      objectsTopic: options.objectsTopic,
      digestsTopic: options.digestsTopic,
      rules: options.rules,
      defaultRegion: options.region,
      waitTimeSeconds: options.sqs.waitTimeSeconds,
      visibilityTimeoutSeconds: options.sqs.visibilityTimeoutSeconds,
      metrics,
      stuckDeadLetters,
      logger: logger.child({ component: 'sqs' }),
      signal: abort.signal,
    };
    for (let index = 0; index < options.sqs.receiversPerQueue; index++) {
      tasks.push(runSqsReceiver(receiver, queueHealth));
    }
  }

  const pollMode =
    options.pollSources.length === 0
      ? null
      : new PollMode({
          ...options.poll,
          kafka,
          s3For: aws.s3For,
          region: options.region,
          sources: options.pollSources,
          rules: options.rules,
          window: options.window,
          objectsTopic: options.objectsTopic,
          digestsTopic: options.digestsTopic,
          gate,
          metrics,
          logger: logger.child({ component: 'poll' }),
        });
  if (pollMode) tasks.push(pollMode.run(abort.signal));
  logger.info(
    { queues: options.sqs.queueUrls.length, pollSources: options.pollSources.length },
    'discovering',
  );

  return {
    isReady: () =>
      gate.isReachable() &&
      queueHealth.allReachable() &&
      stuckDeadLetters.isClear(Date.now()) &&
      (pollMode?.isStarted() ?? true),
    async stop() {
      abort.abort();
      await Promise.allSettled(tasks);
      await pollMode?.stop();
      await gate.disconnect();
      aws.destroy();
    },
  };
}
