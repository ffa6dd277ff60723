import { backoffPolicies } from '@trailstream/retry';
import { type Logger, type RunningStage, runTransactionalStage } from '@trailstream/runtime';
import type { Kafka } from 'kafkajs';
import type { Registry } from 'prom-client';
import type { FetcherConfig } from './config.js';
import { createFetcherMetrics } from './metrics.js';
import { createObjectHandler } from './object-handler.js';
import { readSeenObjects } from './read-seen-objects.js';
import { s3ClientsByRegion } from './s3-clients.js';
import { SeenObjects } from './seen-objects.js';

/** Object references in, records out, exactly once; duplicates remembered in the changelog. */
export async function startFetcherStage(
  config: FetcherConfig,
  kafka: Kafka,
  logger: Logger,
  registry: Registry,
): Promise<RunningStage> {
  const seen = new SeenObjects(config.DUPLICATE_RETENTION_HOURS * 3_600_000);
  const metrics = createFetcherMetrics(registry, () => seen.size);
  const handler = createObjectHandler({
    s3ForRegion: s3ClientsByRegion(config),
    seen,
    metrics,
    logger,
    recordsTopic: config.TOPIC_RECORDS,
    seenObjectsTopic: config.TOPIC_SEEN_OBJECTS,
    limits: { maxInflatedBytes: config.MAX_INFLATED_BYTES, maxRecordBytes: config.MAX_RECORD_BYTES },
    fetchPolicy: {
      transientAttempts: config.S3_TRANSIENT_ATTEMPTS,
      unavailableAttempts: config.S3_UNAVAILABLE_ATTEMPTS,
      backoff: backoffPolicies.s3Fetch,
    },
  });

  return runTransactionalStage({
    kafka,
    logger,
    stage: 'fetcher-parser',
    groupId: config.KAFKA_GROUP_ID,
    inputTopic: config.TOPIC_OBJECTS,
    deadLetterTopic: config.TOPIC_DLQ,
    transactionalIdPrefix: config.TRANSACTIONAL_ID_PREFIX,
    partitionsConsumedConcurrently: config.OBJECTS_IN_FLIGHT,
    maxMessagesPerTransaction: config.OBJECTS_PER_TRANSACTION,
    maxBufferedMessages: config.PRODUCE_BATCH_MESSAGES,
    transactionTimeoutMs: config.TRANSACTION_TIMEOUT_MS,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    async onPartitionsAssigned(partitions) {
      seen.retainOnly(partitions);
      handler.retainOnly(partitions);
      const restored = await readSeenObjects(kafka, config.TOPIC_SEEN_OBJECTS, partitions, logger);
      for (const [partition, entries] of restored) seen.restore(partition, entries, Date.now());
      logger.info({ partitions, seenObjects: seen.size }, 'duplicate-detection state restored');
    },
    onCommitted: (partition) => seen.commit(partition, Date.now()),
    handle: handler.handle,
  });
}
