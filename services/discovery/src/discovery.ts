import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { createKafka, DeadLetterPublisher, type Logger } from '@trailstream/runtime';
import { Partitioners } from 'kafkajs';
import type { Registry } from 'prom-client';
import { type DiscoveryEnv, resolveDiscoverySettings } from './config.js';
import { KafkaGate } from './kafka-gate.js';
import { createDiscoveryMetrics } from './metrics.js';
import { PollMode } from './poll-mode.js';
import type { PollerOptions } from './poller.js';
import { QueueHealth, runSqsReceiver } from './sqs-receiver.js';

export interface RunningDiscovery {
  /** Kafka reachable, every queue answering, and (in poll mode) the checkpoint group joined. */
  isReady(): boolean;
  stop(): Promise<void>;
}

export interface DiscoveryHooks {
  onStreamListing?: PollerOptions['onStreamListing'];
}

export interface AwsClients {
  sqs: SQSClient;
  s3: S3Client;
}

/** SQS and S3 clients from settings. The SDK retries throttling and 5xx with backoff (adaptive mode). */
export function createAwsClients(config: DiscoveryEnv): AwsClients {
  const options = { region: config.AWS_REGION, maxAttempts: 5, retryMode: 'adaptive' };
  return {
    sqs: new SQSClient(options),
    s3: new S3Client({ ...options, forcePathStyle: config.S3_FORCE_PATH_STYLE }),
  };
}

/**
 * Starts SQS receivers and the poller as configured. Nothing here needs Kafka up at start: work waits
 * for it. What AWS still fails after the SDK's retries is retried by the loops, never given up on.
 */
export function startDiscovery(
  config: DiscoveryEnv,
  logger: Logger,
  registry: Registry,
  { sqs, s3 }: AwsClients,
  hooks: DiscoveryHooks = {},
): RunningDiscovery {
  const settings = resolveDiscoverySettings(config);
  const kafka = createKafka(config, logger);
  // At least once: a retried send may duplicate a reference, which fetcher-parser recognises and skips.
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const gate = new KafkaGate(producer, logger.child({ component: 'kafka' }));
  const deadLetters = new DeadLetterPublisher(producer, config.TOPIC_DLQ, 'discovery');
  const metrics = createDiscoveryMetrics(registry);
  const queueHealth = new QueueHealth();
  const abort = new AbortController();
  const tasks: Promise<void>[] = [];

  for (const queueUrl of config.SQS_QUEUE_URLS) {
    const receiver = {
      sqs,
      queueUrl,
      gate,
      deadLetters,
      objectsTopic: config.TOPIC_OBJECTS,
      rules: settings.rules,
      defaultRegion: config.AWS_REGION,
      waitTimeSeconds: config.SQS_WAIT_TIME_SECONDS,
      visibilityTimeoutSeconds: config.SQS_VISIBILITY_TIMEOUT_SECONDS,
      metrics,
      logger: logger.child({ component: 'sqs' }),
      signal: abort.signal,
    };
    for (let index = 0; index < config.SQS_RECEIVERS_PER_QUEUE; index++) {
      tasks.push(runSqsReceiver(receiver, queueHealth));
    }
  }

  const pollMode =
    settings.pollSources.length === 0
      ? null
      : new PollMode({
          kafka,
          checkpointTopic: config.POLL_CHECKPOINT_TOPIC,
          checkpointPartitions: config.POLL_CHECKPOINT_PARTITIONS,
          groupId: config.KAFKA_GROUP_ID,
          sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
          s3,
          region: config.AWS_REGION,
          sources: settings.pollSources,
          rules: settings.rules,
          window: settings.window,
          intervalMs: config.POLL_INTERVAL_SECONDS * 1000,
          objectsTopic: config.TOPIC_OBJECTS,
          gate,
          metrics,
          logger: logger.child({ component: 'poll' }),
          onStreamListing: hooks.onStreamListing,
        });
  if (pollMode) tasks.push(pollMode.run(abort.signal));

  return {
    isReady: () => gate.isReachable() && queueHealth.allReachable() && (pollMode?.isStarted() ?? true),
    async stop() {
      abort.abort();
      await Promise.allSettled(tasks);
      await pollMode?.stop();
      await gate.disconnect();
    },
  };
}
