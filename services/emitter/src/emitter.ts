import { setMaxListeners } from 'node:events';
import {
  ApiKeyRejectedError,
  type ApiKeySource,
  type DatadogClient,
  type DeliveryOptions,
  type LateItemPolicy,
  RateBudget,
} from '@trailstream/datadog';
import { DeadLetterPublisher, type Logger } from '@trailstream/runtime';
import type { EachBatchPayload, Kafka } from 'kafkajs';
import { ApiKeyGuard } from './api-key-guard.js';
import { deliverMessages } from './deliver-messages.js';
import type { EmitterMetrics } from './emitter-metrics.js';

export interface EmitterOptions {
  kafka: Kafka;
  logger: Logger;
  metrics: EmitterMetrics;
  client: DatadogClient;
  apiKeySource: ApiKeySource;
  inputTopic: string;
  deadLetterTopic: string;
  groupId: string;
  partitionsConcurrently: number;
  eventRequestsPerPartition: number;
  eventsPerSecond: number;
  eventsBurst: number;
  maxBackoffMs: number;
  keyRecheckMs: number;
  latePolicy: LateItemPolicy;
}

export interface RunningEmitter {
  /** Consuming, and Datadog accepts the key. */
  isReady(): boolean;
  stop(): Promise<void>;
}

/** Offsets are committed after this many messages at most, to keep redelivery after a crash small. */
const MESSAGES_PER_COMMIT = 1000;
/** kafkajs only heartbeats when asked during a batch; a batch may wait on Datadog for long. */
const HEARTBEAT_EVERY_MS = 3_000;

/**
 * Consumes Datadog outputs and delivers them, at least once: a partition's offset moves only past
 * messages Datadog accepted or the dead-letter topic acked. Partitions are handled concurrently, so one
 * partition waiting on retries does not hold the others back.
 */
export async function startEmitter(options: EmitterOptions): Promise<RunningEmitter> {
  const { kafka, logger, metrics, client, inputTopic } = options;
  const stopping = new AbortController();
  // Every request and wait in flight listens for shutdown on this one signal: hundreds at a time is normal.
  setMaxListeners(0, stopping.signal);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const deadLetters = new DeadLetterPublisher(producer, options.deadLetterTopic, 'emitter');
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: 45_000,
    heartbeatInterval: 3_000,
  });
  let consuming = false;

  const guard = new ApiKeyGuard({
    client,
    source: options.apiKeySource,
    recheckMs: options.keyRecheckMs,
    logger,
    onRefused: () => {
      if (consuming) consumer.pause([{ topic: inputTopic }]);
    },
    onAccepted: () => consumer.resume([{ topic: inputTopic }]),
    onStateChange: (valid) => metrics.apiKeyValid.set(valid ? 1 : 0),
  });
  await guard.checkAtStart();

  const eventBudget = new RateBudget({ perSecond: options.eventsPerSecond, burst: options.eventsBurst });
  const backoff = { initialMs: 250, maxMs: options.maxBackoffMs, factor: 2 };

  const deliveryOptionsFor =
    (partition: number, heartbeat: () => Promise<void>) =>
    (kind: 'event' | 'log'): DeliveryOptions => ({
      backoff,
      signal: stopping.signal,
      onRetry: ({ cause, reason, attempt, delayMs }) => {
        metrics.retried.inc({ kind, cause });
        metrics.backoff.set({ partition: String(partition) }, delayMs / 1000);
        logger.warn({ partition, kind, cause, reason, attempt, delayMs }, 'Datadog request retried');
        void heartbeat().catch(() => undefined);
      },
    });

  const handleBatch = async ({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload) => {
    const { partition } = batch;
    const beat = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
    try {
      for (let start = 0; start < batch.messages.length; start += MESSAGES_PER_COMMIT) {
        // Unresolved messages are fetched again after a resume or a rebalance: leaving them is safe.
        if (!guard.isValid() || !isRunning() || isStale() || stopping.signal.aborted) return;
        const chunk = batch.messages.slice(start, start + MESSAGES_PER_COMMIT);
        await deliverMessages(inputTopic, partition, chunk, {
          client,
          eventBudget,
          eventRequestsInFlight: options.eventRequestsPerPartition,
          latePolicy: options.latePolicy,
          deadLetters,
          metrics,
          deliveryOptions: deliveryOptionsFor(partition, heartbeat),
          signal: stopping.signal,
        });
        metrics.backoff.set({ partition: String(partition) }, 0);
        const last = (chunk.at(-1) as { offset: string }).offset;
        resolveOffset(last);
        await consumer.commitOffsets([
          { topic: inputTopic, partition, offset: (BigInt(last) + 1n).toString() },
        ]);
      }
    } catch (error) {
      if (error instanceof ApiKeyRejectedError) return guard.refused(error.status);
      if (stopping.signal.aborted) return;
      throw error;
    } finally {
      clearInterval(beat);
    }
  };

  await consumer.connect();
  await consumer.subscribe({ topic: inputTopic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConcurrently,
    eachBatch: handleBatch,
  });
  consuming = true;
  if (!guard.isValid()) consumer.pause([{ topic: inputTopic }]);
  logger.info({ topic: inputTopic, groupId: options.groupId }, 'emitter consuming');

  return {
    isReady: () => consuming && guard.isValid(),
    async stop() {
      consuming = false;
      stopping.abort();
      await guard.stop();
      await consumer.disconnect();
      await producer.disconnect();
    },
  };
}
