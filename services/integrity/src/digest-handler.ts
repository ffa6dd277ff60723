import {
  checkDigest,
  digestStreamId,
  findingId,
  goneDigestFinding,
  type IntegrityFinding,
  type IntegritySource,
  type PublicKeySource,
  parseDigestKey,
} from '@trailstream/cloudtrail';
import {
  decodeStageMessage,
  type FailureReason,
  type Logger,
  type StageHandler,
  type StageMessage,
  type TransactionOutput,
} from '@trailstream/runtime';
import { type ObjectRef, objectRefContract } from '@trailstream/schemas';
import { type ChainState, type ChainStates, chainStateMessage } from './chain-state.js';
import { findingEvent, streamEvent } from './events.js';
import { type LogFileHashes, logAreaOf } from './log-file-hashes.js';
import type { IntegrityMetrics } from './metrics.js';

/** Log file names carry the delivery minute; a file named a minute before a digest's start is the previous hour's. */
const NAME_PRECISION_MS = 60_000;
/** Findings remembered per chain to report each once; a chain finds a handful per hour at worst. */
const RECENT_FINDINGS = 200;

export interface DigestHandlerOptions {
  chains: ChainStates;
  hashes: LogFileHashes;
  /** Digests and, for a log file whose hash fetcher-parser has not published yet, the file itself, from S3. */
  s3: IntegritySource;
  keys: PublicKeySource;
  metrics: IntegrityMetrics;
  logger: Logger;
  datadogTopic: string;
  chainsTopic: string;
  now?: () => number;
}

/**
 * What files each account × region folder's digests listed, and which unlisted ones were reported, since
 * this process took the partition: a file counts as in no digest only inside the span this process saw.
 */
class AreaListings {
  private readonly listed = new Map<string, Set<string>>();
  private readonly spanStart = new Map<string, number>();
  private readonly reported = new Set<string>();
  private readonly pending = new Map<number, { offset: bigint; objects: readonly string[] }[]>();

  list(area: string, objects: readonly string[], digestStart: number): void {
    const set = this.listed.get(area) ?? new Set<string>();
    for (const object of objects) set.add(object);
    this.listed.set(area, set);
    if (!this.spanStart.has(area)) this.spanStart.set(area, digestStart);
  }

  /** Files a lost digest would have listed: its digest-missing finding accounts for them. */
  excuse(area: string, objects: readonly string[]): void {
    const set = this.listed.get(area) ?? new Set<string>();
    for (const object of objects) set.add(object);
    this.listed.set(area, set);
  }

  /** Files delivered in the area's span before this digest's hour that no digest listed and none reported. */
  unlisted(area: string, hashes: LogFileHashes, digestStart: number): string[] {
    const from = this.spanStart.get(area);
    if (from === undefined) return [];
    const listed = this.listed.get(area) ?? new Set<string>();
    const pending = new Set([...this.pending.values()].flat().flatMap((entry) => entry.objects));
    return hashes
      .deliveredBetween(area, from, digestStart - NAME_PRECISION_MS)
      .filter((object) => !listed.has(object) && !this.reported.has(object) && !pending.has(object));
  }

  markPending(partition: number, offset: bigint, objects: readonly string[]): void {
    this.pending.set(partition, [...(this.pending.get(partition) ?? []), { offset, objects }]);
  }

  /** A message at or before a pending one is a retry of its transaction. */
  beginMessage(partition: number, offset: bigint): void {
    const list = this.pending.get(partition);
    if (list)
      this.pending.set(
        partition,
        list.filter((entry) => entry.offset < offset),
      );
  }

  commit(partition: number): void {
    for (const { objects } of this.pending.get(partition) ?? [])
      for (const object of objects) this.reported.add(object);
    this.pending.delete(partition);
  }
}

export interface DigestHandler {
  handle: StageHandler;
  onCommitted(partition: number): void;
}

/**
 * Checks one digest reference inside the open transaction: signature, the link to the chain's last
 * digest, every listed log file's hash (from the hashes fetcher-parser published, else from S3), and
 * the folder's files no digest listed. Findings go to the Datadog topic as events with the chain's new
 * state, so each is reported once.
 */
export function createDigestHandler(options: DigestHandlerOptions): DigestHandler {
  const { chains, hashes, metrics } = options;
  const now = options.now ?? Date.now;
  const listings = new AreaListings();
  const source: IntegritySource = {
    loadDigest: (bucket, key) => options.s3.loadDigest(bucket, key),
    async logFileHash(bucket, key) {
      const known = hashes.sha256Of(`s3://${bucket}/${key}`);
      if (known !== null) return known;
      metrics.hashFallbackReads.inc();
      return options.s3.logFileHash(bucket, key);
    },
  };

  async function deadLetter(output: TransactionOutput, reason: FailureReason): Promise<void> {
    await output.deadLetter(reason);
    metrics.digests.inc({ outcome: 'dead-lettered' });
  }

  const decodeRef = (message: StageMessage): ObjectRef | FailureReason =>
    decodeStageMessage(message, objectRefContract, 'bad-object-ref');

  async function handle(message: StageMessage, output: TransactionOutput): Promise<void> {
    const offset = BigInt(message.offset);
    chains.beginMessage(message.partition, offset);
    listings.beginMessage(message.partition, offset);
    const ref = decodeRef(message);
    if ('reasonClass' in ref) return deadLetter(output, ref);
    const parsed = parseDigestKey(ref.key);
    if (!parsed) {
      return deadLetter(output, {
        reasonClass: 'not-a-digest',
        reasonMessage: `${ref.key} is not a CloudTrail digest key`,
        attempts: 1,
      });
    }
    const { stream } = parsed;
    const identity = {
      id: digestStreamId(stream),
      area: logAreaOf(stream),
      accountId: stream.accountId,
      region: stream.region,
      trailName: stream.trailName,
    };
    const previous = chains.get(message.partition, identity.id);
    if (previous?.link.key === ref.key) {
      metrics.digests.inc({ outcome: 'duplicate' });
      return;
    }
    const at = now();
    const events = [];
    if (previous === null) {
      events.push(streamEvent('new', identity, `first digest seen: s3://${ref.bucket}/${ref.key}`, at));
      metrics.streamEvents.inc({ event: 'new' });
    }

    const findings: IntegrityFinding[] = [];
    const loaded = await options.s3.loadDigest(ref.bucket, ref.key);
    let link = previous?.link ?? null;
    if (loaded === null) {
      findings.push(goneDigestFinding(stream, ref.bucket, ref.key));
    } else {
      const check = await checkDigest(stream, loaded, link, source, options.keys);
      findings.push(...check.findings);
      link = check.link;
      metrics.digests.inc({
        outcome: check.findings.some((f) => f.kind === 'digest-signature-invalid' && f.key === ref.key)
          ? 'invalid'
          : 'valid',
      });
      if (check.digest) {
        const start = Date.parse(check.digest.digestStartTime);
        listings.list(identity.area, check.listed, start);
        if (previous && check.findings.some((f) => f.kind === 'digest-missing')) {
          listings.excuse(
            identity.area,
            hashes.deliveredBetween(identity.area, previous.link.endTime - NAME_PRECISION_MS, start),
          );
        }
        const unlisted = listings.unlisted(identity.area, hashes, start);
        listings.markPending(message.partition, offset, unlisted);
        for (const object of unlisted) {
          const key = object.slice(`s3://${ref.bucket}/`.length);
          findings.push({
            kind: 'log-file-unlisted',
            accountId: stream.accountId,
            region: stream.region,
            trailName: null,
            bucket: ref.bucket,
            key,
            detail: `delivered before ${check.digest.digestStartTime}, listed by no digest of the folder`,
          });
        }
      }
    }
    // A digest deleted after its notification is missing both when its reference arrives and when the next
    // digest names it: the chain remembers its recent findings so each is reported once.
    const alreadyReported = new Set(previous?.recentFindings ?? []);
    const fresh = findings.filter((finding) => !alreadyReported.has(findingId(finding)));
    for (const finding of fresh) {
      events.push(findingEvent(finding, at));
      metrics.findings.inc({ finding: finding.kind });
      options.logger.warn(
        { finding: finding.kind, object: findingId(finding), detail: finding.detail },
        'integrity finding',
      );
    }
    if (events.length > 0) await output.send(options.datadogTopic, events);
    // The first digest of a chain gone before it was read leaves nothing to chain to.
    if (link === null) return;
    const recentFindings = [...alreadyReported, ...fresh.map(findingId)].slice(-RECENT_FINDINGS);
    const state: ChainState = {
      ...identity,
      link,
      lastDigestAt: at,
      silent: previous?.silent ?? false,
      recentFindings,
    };
    await output.send(options.chainsTopic, [chainStateMessage(state, message.partition)]);
    chains.markPending(message.partition, offset, state);
  }

  return {
    handle,
    onCommitted(partition) {
      chains.commit(partition);
      listings.commit(partition);
    },
  };
}
