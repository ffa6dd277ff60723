import { setMaxListeners } from 'node:events';
import {
  type ApiKey,
  ApiKeyRejectedError,
  DatadogClient,
  DatadogMisconfiguredError,
  type DeliveryOptions,
  RateBudget,
} from '@trailstream/datadog';
import { backoffPolicies } from '@trailstream/retry';
import {
  AuditLedger,
  DeadLetterPublisher,
  exitForRestart,
  groupRejoinCause,
  onConsumerGivenUp,
  type StageContext,
  type StartedStage,
} from '@trailstream/runtime';
import { type EachBatchPayload, type KafkaMessage, Partitioners } from 'kafkajs';
import type { EmitterSettings } from './config.js';
import { deliverMessages } from './deliver-messages.js';
import { DeliveryAudit } from './delivery-audit.js';
import { DeliveryGuard, PAUSE_CAUSES } from './delivery-guard.js';
import { createEmitterMetrics } from './metrics.js';
import { PartitionCommitter } from './partition-committer.js';
import { SettledPrefix } from './settled-prefix.js';

export type EmitterOptions = EmitterSettings &
  StageContext & {
    apiKey: ApiKey;
    /** kafkajs gave up on the consumer; by default the process exits 70, for the orchestrator to restart it. */
    onFatal?: (error: Error) => void;
  };

export interface RunningEmitter extends StartedStage {
  /** Consuming, Datadog accepts the key, and its address answers as Datadog does. */
  isReady(): boolean;
}

/** Messages planned and delivered together: one logs batch at most, and a bounded plan in memory. */
const MESSAGES_PER_RUN = 1000;
/** How often the settled part of a run is committed while the run goes on. */
const COMMIT_EVERY_MS = 1_000;
/** kafkajs only heartbeats when asked during a batch; a batch may wait on Datadog for long. */
const HEARTBEAT_EVERY_MS = 3_000;

/**
 * Consumes Datadog outputs and delivers them, at least once: a partition's offset moves only past
 * messages Datadog accepted or the dead-letter topic acked. Partitions are handled concurrently, so one
 * partition waiting on retries does not hold the others back.
 */
export async function startEmitter(options: EmitterOptions): Promise<RunningEmitter> {
  const { kafka, logger, inputTopic } = options;
  const metrics = createEmitterMetrics(options.registry);
  const client = new DatadogClient({
    ...options.datadog,
    apiKey: options.apiKey,
    onRequest: ({ endpoint, status, durationMs }) =>
      metrics.requestDuration.observe({ endpoint, status: String(status ?? 0) }, durationMs / 1000),
  });
  logger.info({ endpoints: Object.values(client.endpoints).map(String) }, 'delivering to Datadog');
  const stopping = new AbortController();
  // Every request and wait in flight listens for shutdown on this one signal: hundreds at a time is normal.
  setMaxListeners(0, stopping.signal);
  // Dead letters are at least once like everything here; acks=all is set per send by the publisher.
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const deadLetters = new DeadLetterPublisher(producer, options.deadLetterTopic, 'emitter', options.registry);
  const consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs,
    // A crashed member holds a rebalance up to this long; a live one finishing a run rejoins well within it.
    rebalanceTimeout: 2 * options.sessionTimeoutMs,
    heartbeatInterval: 3_000,
    // A fetch in flight holds up shutdown and the first delivery after a quiet spell for this long.
    maxWaitTimeInMs: 1_000,
  });
  let consuming = false;
  onConsumerGivenUp(consumer, logger, options.onFatal ?? exitForRestart(logger), () => {
    consuming = false;
  });
  const ledger = new AuditLedger({
    stage: 'emitter',
    ...options.reconciliation,
    registry: options.registry,
    dedupeByOffset: true,
  });
  const audit = new DeliveryAudit(ledger, producer, logger);
  let assignment: Promise<void> = Promise.resolve();
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    const partitions = payload.memberAssignment[inputTopic] ?? [];
    assignment = audit.assigned((owned) => ledger.restore(kafka, owned, logger), partitions);
  });

  // Every series exists from the start, so a monitor on them has data before the first pause.
  for (const cause of PAUSE_CAUSES) metrics.paused.set({ cause }, 0);
  metrics.apiKeyValid.set(1);
  const guard = new DeliveryGuard({
    client,
    source: options.apiKeySource,
    recheckMs: options.keyRecheckMs,
    logger,
    onPaused: () => {
      if (consuming) consumer.pause([{ topic: inputTopic }]);
    },
    onResumed: () => consumer.resume([{ topic: inputTopic }]),
    onPauseChange: (cause, paused) => {
      metrics.paused.set({ cause }, paused ? 1 : 0);
      if (cause === 'key-refused') metrics.apiKeyValid.set(paused ? 0 : 1);
    },
  });
  await guard.checkAtStart();

  const eventBudget = new RateBudget({ perSecond: options.eventsPerSecond, burst: options.eventsBurst });
  const backoff = { ...backoffPolicies.datadog, maxMs: options.maxBackoffMs };

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
    const committer = new PartitionCommitter(async (lastSettled, next) => {
      await audit.writeThrough(partition, lastSettled);
      resolveOffset(lastSettled);
      await consumer
        .commitOffsets([{ topic: inputTopic, partition, offset: next }])
        .catch((error: unknown) => {
          // The session ran out (a broker restart): kafkajs rejoins on the bare answer, stops on the wrapped one.
          throw groupRejoinCause(error) ?? error;
        });
    });
    let chunk: KafkaMessage[] = [];
    let settled = new SettledPrefix(0);
    const commitSettled = () => {
      if (settled.length === 0) return Promise.resolve();
      return committer.commitThrough((chunk[settled.length - 1] as KafkaMessage).offset);
    };
    // Beats from the start: after a rebalance the counts are restored from the audit topic first.
    const beat = setInterval(() => void heartbeat().catch(() => undefined), HEARTBEAT_EVERY_MS);
    // A run may take long when Datadog throttles: commit what is settled as it goes, so a crash resends little.
    const progress = setInterval(
      () =>
        void commitSettled().catch((error: unknown) =>
          logger.warn({ err: error, partition }, 'periodic commit failed'),
        ),
      COMMIT_EVERY_MS,
    );
    try {
      await assignment;
      for (let start = 0; start < batch.messages.length; start += MESSAGES_PER_RUN) {
        // Unresolved messages are fetched again after a resume or a rebalance: leaving them is safe.
        if (!guard.isValid() || !isRunning() || isStale() || stopping.signal.aborted) return;
        chunk = batch.messages.slice(start, start + MESSAGES_PER_RUN);
        const tracker = new SettledPrefix(chunk.length);
        settled = tracker;
        await deliverMessages(inputTopic, partition, chunk, {
          client,
          eventBudget,
          eventRequestsInFlight: options.eventRequestsPerPartition,
          latePolicy: options.latePolicy,
          deadLetters,
          metrics,
          deliveryOptions: deliveryOptionsFor(partition, heartbeat),
          signal: stopping.signal,
          onOutcome: (index, outcome) => audit.note(partition, chunk[index] as KafkaMessage, outcome),
          onSettled: (index) => tracker.settle(index),
        });
        metrics.backoff.set({ partition: String(partition) }, 0);
        await commitSettled();
      }
    } catch (error) {
      const expected =
        error instanceof ApiKeyRejectedError ||
        error instanceof DatadogMisconfiguredError ||
        stopping.signal.aborted;
      if (!expected) throw error;
      // Keep what was settled before the stop: fewer items sent twice after the resume or the restart.
      await commitSettled().catch((commitError: unknown) =>
        logger.warn({ err: commitError, partition }, 'could not commit settled offsets'),
      );
      if (error instanceof ApiKeyRejectedError) guard.refused(error.status);
      if (error instanceof DatadogMisconfiguredError) guard.misconfigured(error.outcome);
    } finally {
      clearInterval(beat);
      clearInterval(progress);
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
      await client.close();
    },
  };
}
