import type { S3Client } from '@aws-sdk/client-s3';
import {
  type CloudTrailFileKind,
  type CloudTrailStream,
  digestRefMessage,
  type KeyFilterRules,
  type TrailSource,
} from '@trailstream/cloudtrail';
import { sleep } from '@trailstream/retry';
import type { Logger } from '@trailstream/runtime';
import { objectRefMessage } from '@trailstream/schemas';
import {
  discoverStreams,
  type ListedObject,
  listFolderObjects,
  objectRefFromListing,
} from '@trailstream/trail-bucket';
import type { KafkaGate } from './kafka-gate.js';
import type { DiscoveryMetrics } from './metrics.js';
import { foldListing, planListing, type WindowSettings } from './poll-window.js';
import type { StreamOwnership } from './stream-ownership.js';
import { streamKey } from './stream-shards.js';

export interface PollerOptions {
  /** The client to list a source's bucket with (its role's credentials when it names one). */
  s3For(bucket: string): S3Client;
  /** The region of the polled buckets, written into references. */
  region: string;
  sources: TrailSource[];
  rules: KeyFilterRules;
  window: WindowSettings;
  intervalMs: number;
  objectsTopic: string;
  /** Where digest files go, for the integrity stage. */
  digestsTopic: string;
  gate: KafkaGate;
  ownership: StreamOwnership;
  metrics: DiscoveryMetrics;
  logger: Logger;
}

/** Lost ownership between two List pages: the stream is left to its new owner. */
class OwnershipLost extends Error {
  override readonly name = 'OwnershipLost';
}

/** Log files (and Insights when forwarded) for the pipeline, digests for the integrity stage. */
function polledKinds(rules: KeyFilterRules): CloudTrailFileKind[] {
  return rules.includeInsights ? ['log', 'insight', 'digest'] : ['log', 'digest'];
}

/** Polls until the signal aborts, one cycle every interval. A failed stream is retried next cycle. */
export async function runPoller(options: PollerOptions, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    const started = Date.now();
    await options.gate.waitUntilReachable(signal);
    if (signal.aborted) break;
    await pollCycle(options, signal);
    await sleep(Math.max(0, options.intervalMs - (Date.now() - started)), signal);
  }
}

/** One cycle over every source: find streams, then list the window of each stream this replica owns. */
export async function pollCycle(options: PollerOptions, signal: AbortSignal): Promise<void> {
  const { metrics, logger } = options;
  let listCalls = 0;
  let owned = 0;
  const countCall = (purpose: string) => () => {
    listCalls += 1;
    metrics.listCalls.inc({ purpose });
  };
  for (const source of options.sources) {
    let streams: CloudTrailStream[];
    try {
      streams = await discoverStreams(
        options.s3For(source.bucket),
        source,
        options.rules,
        countCall('stream-discovery'),
        polledKinds(options.rules),
      );
    } catch (error) {
      logger.warn(
        { err: error, bucket: source.bucket },
        'could not list the streams of a source; retrying next cycle',
      );
      continue;
    }
    for (const stream of streams) {
      if (signal.aborted) return;
      const key = streamKey(source.bucket, stream);
      if (!options.ownership.owns(key)) continue;
      owned += 1;
      try {
        await pollStream(options, source, stream, key, countCall('window'));
      } catch (error) {
        if (error instanceof OwnershipLost) continue;
        logger.warn(
          { err: error, stream: key },
          'polling a stream failed; its checkpoint stays, retrying next cycle',
        );
      }
    }
  }
  metrics.listCallsLastCycle.set(listCalls);
  metrics.ownedStreams.set(owned);
}

async function pollStream(
  options: PollerOptions,
  source: TrailSource,
  stream: CloudTrailStream,
  key: string,
  onListCall: () => void,
): Promise<void> {
  const { ownership, metrics } = options;
  const stillOwned = () => {
    if (!ownership.owns(key)) throw new OwnershipLost(key);
  };
  let checkpoint = ownership.checkpoint(key);
  for (;;) {
    const now = Date.now();
    const plan = planListing(stream, checkpoint, now, options.window);
    const listed: ListedObject[] = [];
    for (const request of plan.requests) {
      listed.push(
        ...(await listFolderObjects(
          options.s3For(source.bucket),
          source.bucket,
          request,
          onListCall,
          stillOwned,
        )),
      );
    }
    const outcome = foldListing(checkpoint, listed, plan.asOf, options.rules, options.window, stream.kind);
    const refs = outcome.emit.map((object) =>
      objectRefFromListing(source.bucket, options.region, object, 'poll', now),
    );
    if (stream.kind === 'digest') {
      await options.gate.send(
        options.digestsTopic,
        refs.flatMap((ref) => digestRefMessage(ref) ?? []),
      );
    } else {
      await options.gate.send(options.objectsTopic, refs.map(objectRefMessage));
      metrics.references.inc({ mode: 'poll' }, refs.length);
    }
    for (const reason of outcome.skipped) metrics.skippedKeys.inc({ mode: 'poll', reason });
    // Freshness is the log files': a digest arrives every hour even while logging is off.
    if (outcome.next.newestDelivery !== null && stream.kind !== 'digest')
      metrics.noteNewestFile(source.bucket, outcome.next.newestDelivery);
    // A replica that lost the stream leaves the checkpoint to its new owner; the worst case is a duplicate.
    stillOwned();
    await ownership.save(key, outcome.next);
    checkpoint = outcome.next;
    if (!plan.catchingUp) return;
  }
}
