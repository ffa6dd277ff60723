import { runTransactionalStage, type StageContext, type StartedStage } from '@trailstream/runtime';
import { ContractError, logFileHashContract, type MessageHeaders } from '@trailstream/schemas';
import {
  cloudTrailPublicKeys,
  publicKeysFromFile,
  SourceCredentials,
  s3IntegritySource,
} from '@trailstream/trail-bucket';
import { ChainStates, chainStateMessage, parseChainState } from './chain-state.js';
import type { IntegritySettings } from './config.js';
import { createDigestHandler } from './digest-handler.js';
import { streamEvent } from './events.js';
import { integrityS3Clients } from './integrity-s3.js';
import { LogFileHashes } from './log-file-hashes.js';
import { createIntegrityMetrics } from './metrics.js';
import { silenceTransitions } from './silence.js';
import { TopicFollower } from './topic-follower.js';

export type IntegrityOptions = IntegritySettings & StageContext;

const HASH_RETENTION_MS = 7 * 24 * 3_600_000;

/**
 * Digest references in, findings and stream liveness out as Datadog events, exactly once per digest
 * (Kafka transactions); log file hashes and chain states followed from their compacted topics.
 */
export async function startIntegrity(options: IntegrityOptions): Promise<StartedStage> {
  const { kafka, logger } = options;
  const keys = options.publicKeysFile
    ? await publicKeysFromFile(options.publicKeysFile)
    : cloudTrailPublicKeys();
  const s3 = integrityS3Clients(options.s3, new SourceCredentials(options.sourceRoles));
  const hashes = new LogFileHashes(HASH_RETENTION_MS);
  const chains = new ChainStates();
  let assigned = new Set<number>();
  const metrics = createIntegrityMetrics(options.registry, {
    hashesKnown: () => hashes.size,
    silentStreams: () => chains.all().filter((s) => assigned.has(s.partition) && s.silent).length,
    streams: () => chains.all().filter((s) => assigned.has(s.partition)).length,
  });

  const hashFollower = new TopicFollower(
    kafka,
    options.logFileHashesTopic,
    (message) => {
      if (message.value === null) return;
      try {
        hashes.add(logFileHashContract.decode(message.value, message.headers as MessageHeaders));
      } catch (error) {
        if (!(error instanceof ContractError)) throw error;
        logger.warn({ err: error }, 'a log-file-hashes entry that is not a LogFileHash was ignored');
      }
    },
    logger,
  );
  const chainFollower = new TopicFollower(
    kafka,
    options.chainsTopic,
    (message, partition) => {
      const state = parseChainState(message.value);
      if (state) chains.restore(partition, state);
    },
    logger,
  );
  await Promise.all([hashFollower.start(), chainFollower.start()]);

  const handler = createDigestHandler({
    chains,
    hashes,
    s3: s3IntegritySource(s3.forBucket, options.fetchPolicy),
    keys,
    metrics,
    logger,
    datadogTopic: options.datadogTopic,
    chainsTopic: options.chainsTopic,
  });

  const stage = await runTransactionalStage({
    ...options,
    outputTopics: [options.datadogTopic, options.chainsTopic],
    async onPartitionsAssigned(partitions) {
      assigned = new Set(partitions);
      await Promise.all([chainFollower.caughtUp(), hashFollower.caughtUp()]);
      logger.info(
        { partitions, chains: chains.all().length, logFileHashes: hashes.size },
        'integrity state restored',
      );
    },
    onCommitted: (partition) => handler.onCommitted(partition),
    handle: handler.handle,
  });

  // Silence is a matter of time passing, not of a message: checked on a timer, written outside a transaction.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  let checking = Promise.resolve();
  const timer = setInterval(() => {
    checking = checking
      .then(checkSilence)
      .catch((error: unknown) => logger.warn({ err: error }, 'silence check failed'));
  }, options.silenceCheckMs);

  async function checkSilence(): Promise<void> {
    const now = Date.now();
    hashes.expire(now);
    const owned = chains.all().filter((state) => assigned.has(state.partition));
    for (const { state, kind, lastActivity } of silenceTransitions(
      owned,
      (area) => hashes.lastActivity(area),
      now,
      options.silentAfterMs,
    )) {
      const detail =
        kind === 'silent'
          ? `neither a digest nor a log file since ${new Date(lastActivity).toISOString()}: check that logging is on (GetTrailStatus), the bucket policy, the KMS key and that the trail exists`
          : `a digest or log file arrived at ${new Date(lastActivity).toISOString()}`;
      const { partition, ...rest } = state;
      const next = { ...rest, silent: kind === 'silent' };
      await producer.send({ topic: options.datadogTopic, messages: [streamEvent(kind, state, detail, now)] });
      await producer.send({ topic: options.chainsTopic, messages: [chainStateMessage(next, partition)] });
      chains.set(partition, next);
      metrics.streamEvents.inc({ event: kind });
      logger.warn({ stream: state.id, event: kind }, `CloudTrail stream ${kind}`);
    }
  }

  return {
    isReady: () => stage.isReady(),
    async stop() {
      clearInterval(timer);
      await checking;
      await stage.stop();
      await producer.disconnect();
      await Promise.all([hashFollower.stop(), chainFollower.stop()]);
      s3.destroy();
    },
  };
}
