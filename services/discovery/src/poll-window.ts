import {
  type CloudTrailStream,
  dayPrefix,
  decideKey,
  type KeyFilterRules,
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
  const requests = utcDaysBetween(utcDayOf(from), last).map((day, index) => ({
    prefix: dayPrefix(stream, day),
    startAfter: index === 0 ? startAfterKey(stream, from) : undefined,
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
 * Decides which listed files are new, and the checkpoint that holds once they are produced. `asOf` is
 * the plan's: the time the listing counts as complete up to.
 */
export function foldListing(
  checkpoint: StreamCheckpoint | null,
  listed: readonly ListedObject[],
  asOf: number,
  rules: KeyFilterRules,
  settings: WindowSettings,
): ListingOutcome {
  const seen = new Set(checkpoint?.recent ?? []);
  const emit: ListedObject[] = [];
  const skipped: SkipReason[] = [];
  // Files emitted earlier but no longer listed were deleted from the bucket: forgetting them is safe.
  const kept = new Map<string, number>();
  let newestDelivery = checkpoint?.newestDelivery ?? null;
  const listedUntil = Math.max(asOf, checkpoint?.listedUntil ?? asOf);
  const nextStart = windowStart({ listedUntil, newestDelivery, recent: [] }, asOf, settings);

  for (const object of listed) {
    const decision = decideKey(object.key, rules);
    if (!decision.accepted) {
      skipped.push(decision.reason);
      continue;
    }
    const { fileName, deliveredAt } = decision.key;
    if (deliveredAt === null) {
      skipped.push('no-delivery-time');
      continue;
    }
    newestDelivery = Math.max(newestDelivery ?? deliveredAt, deliveredAt);
    if (!seen.has(fileName)) emit.push(object);
    kept.set(fileName, deliveredAt);
  }
  const recent = [...kept].filter(([, deliveredAt]) => deliveredAt >= nextStart).map(([name]) => name);
  return { emit, skipped, next: { listedUntil, newestDelivery, recent } };
}
