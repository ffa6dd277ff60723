import { createHash, type Hash } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import {
  auditCellOf,
  CloudTrailObjectError,
  type ObjectLimits,
  readCloudTrailRecords,
} from '@trailstream/cloudtrail';
import {
  type AuditLedger,
  type AuditOutcome,
  DeadLetterAfterAbort,
  type DeadLetterCount,
  decodeStageMessage,
  type FailureReason,
  type Logger,
  type StageHandler,
  type StageMessage,
  type TransactionOutput,
} from '@trailstream/runtime';
import {
  bypassesDedupe,
  cloudTrailRecordContract,
  logFileHashMessage,
  type ObjectRef,
  objectRefContract,
  objectRefKey,
} from '@trailstream/schemas';
import {
  bareEtag,
  type FetchPolicy,
  ObjectUnavailableError,
  type OpenedObject,
  openObject,
} from '@trailstream/trail-bucket';
import type { FetcherMetrics } from './metrics.js';
import type { SeenObjects } from './seen-objects.js';
import { seenObjectMessage } from './seen-objects-changelog.js';

export interface ObjectHandlerOptions {
  /** The client to read an object with: by its bucket's region and, when SOURCE_ROLES names the bucket, role. */
  s3For(region: string, bucket: string): S3Client;
  seen: SeenObjects;
  /** Counts each record read and each dead-lettered, per stream and hour, in the transaction that sends it. */
  audit: AuditLedger;
  metrics: FetcherMetrics;
  logger: Logger;
  recordsTopic: string;
  seenObjectsTopic: string;
  /** Where each file's SHA-256 goes for integrity validation. */
  logFileHashesTopic: string;
  limits: ObjectLimits;
  fetchPolicy: FetchPolicy;
  now?: () => number;
}

/**
 * Turns one object reference into its records inside the open transaction: download as a stream,
 * parse, produce in batches, and note the object in the changelog so a duplicate reference is skipped.
 */
export function createObjectHandler(options: ObjectHandlerOptions): StageHandler {
  const { seen, metrics, logger } = options;
  const now = options.now ?? Date.now;

  async function deadLetter(
    output: TransactionOutput,
    reason: FailureReason,
    whole?: { message: StageMessage; ref: ObjectRef },
  ): Promise<void> {
    await output.deadLetter(reason);
    metrics.objects.inc({ outcome: 'dead-lettered' });
    if (whole) {
      const cell = auditCellOf(whole.ref.bucket, whole.ref.key);
      options.audit.count(whole.message.partition, whole.message.offset, cell, {
        outcome: 'file-dead-lettered',
        reason: reason.reasonClass,
      });
    }
  }

  const decodeRef = (message: StageMessage): ObjectRef | FailureReason =>
    decodeStageMessage(message, objectRefContract, 'bad-object-ref');

  /** CloudTrail never rewrites a delivered file: a rewritten key is reported, and its current version read. */
  async function reportOverwritten(ref: ObjectRef, etag: string | null, output: TransactionOutput) {
    const both = { bucket: ref.bucket, key: ref.key, notifiedEtag: bareEtag(ref.etag), currentEtag: etag };
    logger.warn(
      both,
      'object rewritten after its notification; the notified version is lost, reading the current one',
    );
    await output.deadLetter({
      reasonClass: 'object-overwritten',
      reasonMessage: `${objectRefKey(ref)} was rewritten after it was notified: notified ETag ${both.notifiedEtag}, current ETag ${etag}`,
      attempts: 1,
    });
  }

  async function open(ref: ObjectRef): Promise<OpenedObject | FailureReason> {
    try {
      return await openObject(
        options.s3For(ref.region, ref.bucket),
        ref,
        options.fetchPolicy,
        (failure, attempt, error) =>
          logger.warn(
            { bucket: ref.bucket, key: ref.key, attempt, err: error },
            `GetObject failed (${failure.kind}); retrying`,
          ),
      );
    } catch (error) {
      if (!(error instanceof ObjectUnavailableError)) throw error;
      return {
        reasonClass: error.failure.reasonClass,
        reasonMessage: error.message,
        attempts: error.attempts,
      };
    }
  }

  /**
   * Hands every record of the object to the transaction (the runtime batches them into produce
   * requests), and each record that cannot be forwarded to the dead-letter topic alone; returns how
   * many were sent.
   */
  async function sendRecords(
    message: StageMessage,
    ref: ObjectRef,
    etag: string,
    body: AsyncIterable<Uint8Array>,
    output: TransactionOutput,
    progress: { sent: number; resumeAt: number; hash: Hash; inflatedBytes: number },
    commitProgress: (nextRecord: number) => Promise<void>,
  ): Promise<number> {
    const source = { bucket: ref.bucket, key: ref.key, etag };
    const cell = auditCellOf(ref.bucket, ref.key);
    const count = (outcome: AuditOutcome) =>
      options.audit.count(message.partition, message.offset, cell, outcome);
    let read = 0;
    // The whole file is hashed, also when resuming: records before the resume point are read, not sent.
    const hashing = (chunk: Buffer) => {
      progress.hash.update(chunk);
      progress.inflatedBytes += chunk.length;
    };
    for await (const item of readCloudTrailRecords(body, source, options.limits, hashing)) {
      const index = 'failure' in item ? item.failure.index : item.record.origin.index;
      // A large file outlasts the session timeout; without heartbeats the group would evict this consumer.
      if (index % 1_000 === 0) await output.heartbeat();
      // Committed by an earlier transaction of this message, before a crash or an abort.
      if (index < progress.resumeAt) continue;
      if ('failure' in item) {
        const { failure } = item;
        await output.deadLetter(
          {
            reasonClass: failure.reason,
            reasonMessage: `${objectRefKey(ref)}: ${failure.message}`,
            attempts: 1,
          },
          {
            value: failure.raw,
            record: { ...source, index: failure.index },
            ...(failure.whole ? { wholeValue: failure.whole } : {}),
          },
        );
        count({ outcome: 'read' });
        count({ outcome: 'dead-lettered', reason: failure.reason });
        progress.sent++;
      } else {
        const { record } = item;
        await output.send(options.recordsTopic, [
          { key: record.eventID, ...cloudTrailRecordContract.encode(record) },
        ]);
        count({ outcome: 'read' });
        progress.sent++;
        read++;
      }
      if (output.transactionFull()) await commitProgress(index + 1);
    }
    return read;
  }

  function countingBytes(body: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
    return (async function* () {
      for await (const chunk of body) {
        metrics.bytesIn.inc(chunk.byteLength);
        yield chunk;
      }
    })();
  }

  async function handle(message: StageMessage, output: TransactionOutput): Promise<void> {
    const offset = BigInt(message.offset);
    seen.beginMessage(message.partition, offset);

    const ref = decodeRef(message);
    if ('reasonClass' in ref) return deadLetter(output, ref);
    const objectKey = objectRefKey(ref);
    // A backfill (`trailstream replay --force`) asks for the object again even when already delivered.
    const forced = bypassesDedupe(message.headers);
    if (forced) metrics.forcedReferences.inc();
    if (!forced && ref.etag !== null && seen.has(message.partition, objectKey, bareEtag(ref.etag), now())) {
      metrics.objects.inc({ outcome: 'duplicate' });
      return;
    }

    const stopTimer = metrics.objectSeconds.startTimer();
    const opened = await open(ref);
    if ('reasonClass' in opened) return deadLetter(output, opened, { message, ref });
    const overwritten = opened.overwrittenEtag !== null;
    if (overwritten) await reportOverwritten(ref, opened.etag, output);
    const etag = bareEtag(overwritten ? opened.etag : (ref.etag ?? opened.etag));
    const progress = {
      sent: 0,
      hash: createHash('sha256'),
      inflatedBytes: 0,
      resumeAt: seen.nextRecord(message.partition, objectKey, etag, message.offset),
    };
    if (progress.resumeAt > 0) {
      metrics.resumedObjects.inc();
      logger.info(
        { object: objectKey, nextRecord: progress.resumeAt },
        'resuming the object after its last committed record',
      );
    }
    /** Writes how far the object got into the open transaction, and commits it. */
    const commitProgress = async (nextRecord: number) => {
      const entry = { objectKey, etag, processedAt: now(), resume: { offset: message.offset, nextRecord } };
      await output.send(options.seenObjectsTopic, [seenObjectMessage(entry, message.partition)]);
      seen.markPending(message.partition, offset, entry);
      await output.commitProgress();
    };
    try {
      if (
        !forced &&
        (ref.etag === null || overwritten) &&
        seen.has(message.partition, objectKey, etag, now())
      ) {
        metrics.objects.inc({ outcome: 'duplicate' });
        return;
      }
      const records = await sendRecords(
        message,
        ref,
        etag,
        countingBytes(opened.body),
        output,
        progress,
        commitProgress,
      );
      const entry = { objectKey, etag, processedAt: now() };
      await output.send(options.seenObjectsTopic, [seenObjectMessage(entry, message.partition)]);
      await output.send(options.logFileHashesTopic, [
        logFileHashMessage({
          bucket: ref.bucket,
          key: ref.key,
          sha256: progress.hash.digest('hex'),
          bytes: progress.inflatedBytes,
          hashedAt: now(),
        }),
      ]);
      seen.markPending(message.partition, offset, entry);
      metrics.objects.inc({ outcome: 'processed' });
      metrics.recordsOut.inc(records);
      metrics.throughput.add(records, now());
      stopTimer();
    } catch (error) {
      if (!(error instanceof CloudTrailObjectError)) throw error;
      const reason = {
        reasonClass: error.reason,
        reasonMessage: `${objectKey}: ${error.message}`,
        attempts: 1,
      };
      if (progress.sent === 0) return deadLetter(output, reason, { message, ref });
      // Records of the object were sent: the abort takes them back, and the runtime dead-letters the
      // reference on the retry without reading the object again.
      metrics.objects.inc({ outcome: 'dead-lettered' });
      throw new DeadLetterAfterAbort(reason, { cause: error });
    } finally {
      opened.body.destroy();
    }
  }

  return handle;
}

/** A reference the runtime dead-letters by itself (after an abort) counts as its log file dead-lettered whole. */
export const fileDeadLetterCount: DeadLetterCount = (message, reason) => {
  if (message.value === null) return null;
  try {
    const ref = objectRefContract.decode(message.value, message.headers);
    return { cell: auditCellOf(ref.bucket, ref.key), outcome: { outcome: 'file-dead-lettered', reason } };
  } catch {
    return null;
  }
};
