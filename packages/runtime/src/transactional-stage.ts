import { type BackoffPolicy, backoffPolicies } from '@trailstream/retry';
import type { Stage } from '@trailstream/schemas';
import { CompressionTypes, type Consumer, type Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { StageAudit } from './audit/stage-audit.js';
import { type Config, env } from './config.js';
import { exitForRestart, onConsumerGivenUp } from './consumer-crash.js';
import { FailedMessages } from './failed-messages.js';
import { compressionType } from './kafka-compression.js';
import type { Logger } from './logger.js';
import { PartitionHealth } from './partition-health.js';
import { partitionLoop } from './partition-loop.js';
import { PartitionProducers } from './partition-producers.js';
import { stageEnv } from './run-stage.js';
import type { StageHandler } from './stage-message.js';
import { deadLetterCounter, transactionTimer } from './stage-metrics.js';
import { DEFAULT_MAX_MESSAGE_BYTES, readMaxMessageBytes } from './topics.js';
import { inputTopicOf } from './topology.js';

export interface TransactionalStageOptions {
  kafka: Kafka;
  logger: Logger;
  /** The service's metrics registry: the runtime counts the stage's dead letters there. */
  registry: Registry;
  stage: Stage;
  groupId: string;
  inputTopic: string;
  deadLetterTopic: string;
  /** Producers are `<prefix>-<inputTopic>-<partition>`: one per input partition, which fences zombies. */
  transactionalIdPrefix: string;
  /** Partitions worked on at once; each has its own producer, so ordering within a partition holds. */
  partitionsConsumedConcurrently?: number;
  /** Messages handled in one transaction at most. */
  maxMessagesPerTransaction?: number;
  /** Records (produced messages and dead letters) in one transaction at most; a message producing more spans several (default 10,000). */
  maxRecordsPerTransaction?: number;
  /** Milliseconds of work in one transaction at most, the same way (default 10,000): far under `transactionTimeoutMs`. */
  maxTransactionMs?: number;
  /** Produced messages held before one produce request sends them (all are sent before the commit). */
  maxBufferedMessages?: number;
  /** The same bound in bytes of keys and values, kept under the brokers' 1 MB message batch limit. */
  maxBufferedBytes?: number;
  /** How every batch the stage writes is compressed (KAFKA_COMPRESSION); none by default. */
  compression?: CompressionTypes;
  transactionTimeoutMs?: number;
  /** Consumer session timeout (KAFKA_SESSION_TIMEOUT_MS): how soon a crashed replica's partitions move. */
  sessionTimeoutMs?: number;
  /** How often one message may make its handler throw before it is dead-lettered as `handler-failed`. */
  maxHandlerAttempts?: number;
  /** Transactions of one chunk fenced or void in a row before the stage fails (`onFatal`). */
  maxTransactionAttempts?: number;
  /** The topics the handler produces to, besides the dead-letter topic: their `max.message.bytes` bound each batch. */
  outputTopics: readonly string[];
  /**
   * The stage cannot go on (its transactions keep being fenced, or kafkajs gave up on its consumer); by
   * default the error is logged and the process exits 70, for the orchestrator to restart it.
   */
  onFatal?: (error: Error) => void;
  retryPolicy?: BackoffPolicy;
  /** Runs after each (re)assignment and before any message of the new assignment is handled. */
  onPartitionsAssigned?: (partitions: number[]) => Promise<void>;
  /** Called after a transaction committed, for metrics. */
  onCommitted?: (partition: number, messages: number) => void;
  /** Reconciliation counts: restored on assignment, written in the same transaction as the output. */
  audit?: StageAudit;
  handle: StageHandler;
}

export interface RunningStage {
  consumer: Consumer;
  /** True from the first group join until a crash or stop, except while Kafka refuses a partition's writes. */
  isReady(): boolean;
  stop(): Promise<void>;
}

/** What a transactional stage reads: `stageEnv`, its consumer group and its producers' ids. */
export function transactionalStageEnv(stage: Stage) {
  return {
    ...stageEnv,
    KAFKA_GROUP_ID: env.string(`trailstream-${stage}`),
    TRANSACTIONAL_ID_PREFIX: env.string(`trailstream-${stage}`),
  };
}

export type TransactionalStageConfig = Config<ReturnType<typeof transactionalStageEnv>>;

export type TransactionalStageSettings = Pick<
  TransactionalStageOptions,
  | 'stage'
  | 'groupId'
  | 'inputTopic'
  | 'deadLetterTopic'
  | 'transactionalIdPrefix'
  | 'sessionTimeoutMs'
  | 'compression'
>;

/** The options every transactional stage takes the same way from its settings; the input from the topology. */
export function transactionalStageSettings(
  stage: Stage,
  config: TransactionalStageConfig,
): TransactionalStageSettings {
  return {
    stage,
    groupId: config.KAFKA_GROUP_ID,
    transactionalIdPrefix: config.TRANSACTIONAL_ID_PREFIX,
    inputTopic: inputTopicOf(stage, config),
    deadLetterTopic: config.TOPIC_DLQ,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    compression: compressionType(config.KAFKA_COMPRESSION),
  };
}

/**
 * Consume, transform, produce and commit the input offset in one Kafka transaction: what a handler
 * produces becomes visible to read-committed consumers exactly when the input is marked done.
 */
export async function runTransactionalStage(options: TransactionalStageOptions): Promise<RunningStage> {
  const { kafka, groupId, inputTopic } = options;
  const log = options.logger.child({ component: 'transactional-stage', inputTopic, groupId });
  const producers = new PartitionProducers(
    kafka,
    (partition) => `${options.transactionalIdPrefix}-${inputTopic}-${partition}`,
    options.transactionTimeoutMs ?? 300_000,
  );
  const failed = new FailedMessages();
  const health = new PartitionHealth(options.stage, options.registry, log);
  const batchLimits = await readMaxMessageBytes(kafka, [
    ...options.outputTopics,
    ...(options.audit ? [options.audit.ledger.topic] : []),
    options.deadLetterTopic,
  ]);
  log.info({ maxMessageBytes: Object.fromEntries(batchLimits) }, 'output topics read');
  const onFatal = options.onFatal ?? exitForRestart(log);
  let ready = false;
  let assignment: Promise<void> = Promise.resolve();

  const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    rebalanceTimeout: 60_000,
    heartbeatInterval: 3_000,
    maxWaitTimeInMs: 500,
  });
  consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    ready = true;
    const partitions = payload.memberAssignment[inputTopic] ?? [];
    log.info({ partitions }, 'partitions assigned');
    failed.retainOnly(partitions);
    health.retainOnly(partitions);
    // The new owner's producers fence the previous owner's before any state is restored or message handled.
    assignment = producers
      .assign(partitions)
      .then(() => options.audit?.ledger.restore(kafka, partitions, log))
      .then(() => options.onPartitionsAssigned?.(partitions));
  });
  onConsumerGivenUp(consumer, log, onFatal, () => {
    ready = false;
  });

  await consumer.connect();
  await consumer.subscribe({ topic: inputTopic, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
    eachBatch: partitionLoop({
      stage: options.stage,
      groupId,
      inputTopic,
      deadLetterTopic: options.deadLetterTopic,
      maxMessagesPerTransaction: options.maxMessagesPerTransaction ?? 200,
      maxRecordsPerTransaction: options.maxRecordsPerTransaction ?? 10_000,
      maxTransactionMs: options.maxTransactionMs ?? 10_000,
      maxHandlerAttempts: options.maxHandlerAttempts ?? 5,
      maxTransactionAttempts: options.maxTransactionAttempts ?? 5,
      bufferLimits: {
        maxMessages: options.maxBufferedMessages ?? 1_000,
        maxBytes: options.maxBufferedBytes ?? 512 * 1024,
        maxBatchBytes: (topic) => batchLimits.get(topic) ?? DEFAULT_MAX_MESSAGE_BYTES,
      },
      compression: options.compression ?? CompressionTypes.None,
      retryPolicy: options.retryPolicy ?? backoffPolicies.transaction,
      producers,
      failed,
      health,
      log,
      onFatal,
      onDeadLettered: deadLetterCounter(options.registry, options.stage),
      onTransaction: transactionTimer(options.registry, options.stage),
      onCommitted: options.onCommitted,
      ...(options.audit ? { audit: options.audit } : {}),
      assignment: () => assignment,
      handle: options.handle,
    }),
  });

  return {
    consumer,
    isReady: () => ready && health.isHealthy,
    async stop() {
      ready = false;
      await consumer.disconnect();
      await producers.dropAll();
    },
  };
}
