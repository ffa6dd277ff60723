import {
  AuditLedger,
  type RunningStage,
  runTransactionalStage,
  StageAudit,
  type StageContext,
} from '@trailstream/runtime';
import { SourceCredentials } from '@trailstream/trail-bucket';
import type { FetcherParserSettings } from './config.js';
import { createFetcherMetrics } from './metrics.js';
import { createObjectHandler, fileDeadLetterCount } from './object-handler.js';
import { readSeenObjects } from './read-seen-objects.js';
import { s3ClientsByRegion } from './s3-clients.js';
import { SeenObjects } from './seen-objects.js';

export type FetcherParserOptions = FetcherParserSettings & StageContext;

/** Object references in, records out, exactly once; duplicates remembered in the changelog. */
export async function startFetcherParser(options: FetcherParserOptions): Promise<RunningStage> {
  const { kafka, logger, seenObjectsTopic } = options;
  const seen = new SeenObjects(options.duplicateRetentionMs);
  const audit = new AuditLedger({
    stage: 'fetcher-parser',
    ...options.reconciliation,
    registry: options.registry,
    dedupeByOffset: false,
  });
  const handler = createObjectHandler({
    s3For: s3ClientsByRegion(options.s3, new SourceCredentials(options.sourceRoles)),
    seen,
    audit,
    metrics: createFetcherMetrics(options.registry, () => seen.size),
    logger,
    recordsTopic: options.recordsTopic,
    seenObjectsTopic,
    logFileHashesTopic: options.logFileHashesTopic,
    limits: options.limits,
    fetchPolicy: options.fetchPolicy,
  });

  return runTransactionalStage({
    ...options,
    outputTopics: [options.recordsTopic, seenObjectsTopic],
    audit: new StageAudit(audit, fileDeadLetterCount),
    async onPartitionsAssigned(partitions) {
      seen.retainOnly(partitions);
      const restored = await readSeenObjects(kafka, seenObjectsTopic, partitions, logger);
      for (const [partition, entries] of restored) seen.restore(partition, entries, Date.now());
      logger.info({ partitions, seenObjects: seen.size }, 'duplicate-detection state restored');
    },
    onCommitted: (partition) => seen.commit(partition, Date.now()),
    handle: handler,
  });
}
