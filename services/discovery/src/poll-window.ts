import {
  type CloudTrailFileKind,
  type CloudTrailStream,
  dayPrefix,
  decideKey,
  filteredOut,
  type KeyDecision,
  type KeyFilterRules,
  parseCloudTrailKey,
  parseDigestKey,
  type SkipReason,
  startAfterKey,
  utcDayOf,
  utcDayStart,
  utcDaysBetween,
} from '@trailstream/cloudtrail';
import type { ListedObject, ListRequest } from '@trailstream/trail-bucket';

/**
 * Where a stream's listing stands. CloudTrail names files by delivery time but delivers them up to
 * the lateness window out of order, so every cycle re-lists the last window and remembers what it
 * already emitted there: state stays bounded by the window, not by the bucket.
 */
export interface StreamCheckpoint {
  /** The time (epoch ms) of the last completed listing: files named before `listedUntil - lateness` were all seen. */
  listedUntil: number;
  /** The newest delivery time seen in a file name (epoch ms), for the freshness metric. */
  newestDelivery: number | null;
  /** File names emitted whose delivery time is still inside the window. */
  recent: string[];
}

export interface WindowSettings {
  latenessMs: number;
  /** Where a stream without a checkpoint starts (epoch ms); null starts one window before now. */
  startAt: number | null;
}

const MINUTE = 60_000;
const floorToMinute = (epochMs: number) => Math.floor(epochMs / MINUTE) * MINUTE;

/** The earliest delivery time a cycle starting from this checkpoint lists. Minute precision, like the names. */
export function windowStart(
  checkpoint: StreamCheckpoint | null,
  now: number,
  settings: WindowSettings,
): number {
  if (checkpoint) return floorToMinute(checkpoint.listedUntil - settings.latenessMs);
  return floorToMinute(settings.startAt ?? now - settings.latenessMs);
}

export interface ListingPlan {
  requests: ListRequest[];
  /** The time the listing counts as complete up to: now, or the end of a past day plus the window. */
  asOf: number;
  /** True while the stream is more than a day behind: the caller lists the next day right away. */
  catchingUp: boolean;
}

const DAY = 86_400_000;

/**
 * The day folders to list, each only from the window's start on: the number of List calls grows with
 * the days the window spans (one, or two around midnight), never with the objects in the bucket. A
 * stream far behind (a start date, a long outage) catches up one whole day per step, each step
 * checkpointed, so memory holds one day of one stream at most.
 */
export function planListing(
  stream: CloudTrailStream,
  checkpoint: StreamCheckpoint | null,
  now: number,
  settings: WindowSettings,
): ListingPlan {
  const from = windowStart(checkpoint, now, settings);
  const nextDayStart = utcDayStart(utcDayOf(from)) + DAY;
  // Every file of a day that ended more than a window ago has arrived.
  const catchingUp = nextDayStart + settings.latenessMs <= now;
  const last = catchingUp ? utcDayOf(from) : utcDayOf(Math.max(from, now));
  // A digest's name puts its time after the trail's name, so its day folder (24 per trail) is listed whole.
  const startsAfter = (index: number) =>
    index === 0 && stream.kind !== 'digest' ? startAfterKey(stream, from) : undefined;
  const requests = utcDaysBetween(utcDayOf(from), last).map((day, index) => ({
    prefix: dayPrefix(stream, day),
    startAfter: startsAfter(index),
  }));
  return { requests, asOf: catchingUp ? nextDayStart + settings.latenessMs : now, catchingUp };
}

export interface ListingOutcome {
  emit: ListedObject[];
  skipped: SkipReason[];
  /** Written only after Kafka acknowledged every emitted reference. */
  next: StreamCheckpoint;
}

/**
 * Whether a listed key is a file of its stream's kind to send on. A digest stream's files are digests
 * (for the integrity stage) named as CloudTrail names them; the other kinds' are those `decideKey` forwards.
 */
export function decideListedKey(key: string, kind: CloudTrailFileKind, rules: KeyFilterRules): KeyDecision {
  if (kind !== 'digest') return decideKey(key, rules);
  const parsed = parseCloudTrailKey(key);
  if (parsed?.kind !== 'digest' || parseDigestKey(key) === null)
    return { accepted: false, reason: 'not-cloudtrail' };
  const reason = filteredOut(parsed, rules);
  return reason ? { accepted: false, reason } : { accepted: true, key: parsed };
}

/**
 * Decides which listed files of a stream of this kind are new, and the checkpoint that holds once they
 * are produced. `asOf` is the plan's: the time the listing counts as complete up to.
 */
export function foldListing(
  checkpoint: StreamCheckpoint | null,
  listed: readonly ListedObject[],
  asOf: number,
  rules: KeyFilterRules,
  settings: WindowSettings,
  kind: CloudTrailFileKind = 'log',
): ListingOutcome {
  const seen = new Set(checkpoint?.recent ?? []);
  const emit: ListedObject[] = [];
  const skipped: SkipReason[] = [];
  // Files emitted earlier but no longer listed were deleted from the bucket: forgetting them is safe.
  const kept = new Map<string, number>();
  let newestDelivery = checkpoint?.newestDelivery ?? null;
  const listedUntil = Math.max(asOf, checkpoint?.listedUntil ?? asOf);
  const nextStart = windowStart({ listedUntil, newestDelivery, recent: [] }, asOf, settings);
  // The plan's start: a folder listed whole (digests) also holds files from before it, already sent.
  const listingStart = windowStart(checkpoint, asOf, settings);

  for (const object of listed) {
    const decision = decideListedKey(object.key, kind, rules);
    if (!decision.accepted) {
      skipped.push(decision.reason);
      continue;
    }
    const { fileName, deliveredAt } = decision.key;
    if (deliveredAt === null) {
      skipped.push('no-delivery-time');
      continue;
    }
    if (deliveredAt < listingStart) continue;
    newestDelivery = Math.max(newestDelivery ?? deliveredAt, deliveredAt);
    if (!seen.has(fileName)) emit.push(object);
    kept.set(fileName, deliveredAt);
  }
  const recent = [...kept].filter(([, deliveredAt]) => deliveredAt >= nextStart).map(([name]) => name);
  return { emit, skipped, next: { listedUntil, newestDelivery, recent } };
}
