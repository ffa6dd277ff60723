import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import {
  backoffDelay,
  compactedTopic,
  createKafka,
  DeadLetterPublisher,
  ensureTopics,
  type Logger,
  sleep,
} from '@trailstream/runtime';
import { Partitioners } from 'kafkajs';
import type { Registry } from 'prom-client';
import { type DiscoveryEnv, resolveDiscoverySettings } from './config.js';
import { KafkaGate } from './kafka-gate.js';
import { createDiscoveryMetrics } from './metrics.js';
import { type PollerOptions, runPoller } from './poller.js';
import { QueueHealth, runSqsReceiver } from './sqs-receiver.js';
import { StreamOwnership } from './stream-ownership.js';

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

  let ownership: StreamOwnership | null = null;
  let polling = settings.pollSources.length === 0;
  if (settings.pollSources.length > 0) {
    const pollLogger = logger.child({ component: 'poll' });
    tasks.push(
      untilStarted(pollLogger, abort.signal, async () => {
        await gate.waitUntilReachable(abort.signal);
        await ensureTopics(kafka, [
          compactedTopic(config.POLL_CHECKPOINT_TOPIC, config.POLL_CHECKPOINT_PARTITIONS),
        ]);
        const started = new StreamOwnership({
          kafka,
          gate,
          logger: pollLogger,
          checkpointTopic: config.POLL_CHECKPOINT_TOPIC,
          groupId: config.POLL_GROUP_ID,
          sessionTimeoutMs: config.POLL_SESSION_TIMEOUT_MS,
        });
        await started.start();
        ownership = started;
        polling = true;
      }).then(async () => {
        if (!ownership) return;
        await runPoller(
          {
            s3,
            region: config.AWS_REGION,
            sources: settings.pollSources,
            rules: settings.rules,
            window: settings.window,
            intervalMs: config.POLL_INTERVAL_SECONDS * 1000,
            objectsTopic: config.TOPIC_OBJECTS,
            gate,
            ownership,
            metrics,
            logger: pollLogger,
            onStreamListing: hooks.onStreamListing,
          },
          abort.signal,
        );
      }),
    );
  }

  return {
    isReady: () => gate.isReachable() && queueHealth.allReachable() && polling,
    async stop() {
      abort.abort();
      await Promise.allSettled(tasks);
      await (ownership as StreamOwnership | null)?.stop();
      await gate.disconnect();
    },
  };
}

/** Retries a start-up step with backoff until it succeeds or the service stops. */
async function untilStarted(logger: Logger, signal: AbortSignal, step: () => Promise<void>): Promise<void> {
  for (let attempt = 0; !signal.aborted; attempt++) {
    try {
      await step();
      return;
    } catch (error) {
      const delay = backoffDelay(attempt, { initialMs: 1_000, maxMs: 30_000, factor: 2 });
      logger.warn({ err: error, retryInMs: delay }, 'poll mode could not start; retrying');
      await sleep(delay, signal);
    }
  }
}
