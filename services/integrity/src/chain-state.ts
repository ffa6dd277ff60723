import type { ChainLink } from '@trailstream/cloudtrail';
import type { Message } from 'kafkajs';
import type { StreamIdentity } from './events.js';

/** What the integrity stage remembers of one digest chain, in its compacted topic keyed by the chain's id. */
export interface ChainState extends StreamIdentity {
  /** The last digest checked; the next one must name it. */
  link: ChainLink;
  /** When the last digest was checked (epoch ms, wall clock; liveness uses its end time). */
  lastDigestAt: number;
  /** Reported silent and not yet recovered. */
  silent: boolean;
  /** Ids of the chain's latest findings (`findingId`), so none is reported twice. */
  recentFindings: string[];
}

export function chainStateMessage(state: ChainState, partition: number): Message {
  return { key: state.id, value: JSON.stringify(state), partition };
}

const isString = (value: unknown): value is string => typeof value === 'string';
const isNumber = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value);

/** Reads an entry back; a tombstone or a foreign value gives null. */
export function parseChainState(value: Buffer | null): ChainState | null {
  if (value === null) return null;
  let json: unknown;
  try {
    json = JSON.parse(value.toString());
  } catch {
    return null;
  }
  const state = json as Partial<ChainState> | null;
  const link = state?.link as Partial<ChainLink> | undefined;
  const valid =
    state !== null &&
    isString(state.id) &&
    isString(state.area) &&
    isString(state.accountId) &&
    isString(state.region) &&
    isString(state.trailName) &&
    isNumber(state.lastDigestAt) &&
    typeof state.silent === 'boolean' &&
    Array.isArray(state.recentFindings) &&
    state.recentFindings.every(isString) &&
    link !== undefined &&
    isString(link.bucket) &&
    isString(link.key) &&
    isString(link.signature) &&
    isString(link.sha256) &&
    isNumber(link.endTime);
  return valid ? (state as ChainState) : null;
}

/**
 * Chain states per input partition. A digest's new state is pending until its transaction commits, so
 * an aborted and retried transaction sees the chain as it was, and reports its findings again, once.
 */
export class ChainStates {
  private readonly committed = new Map<string, ChainState & { partition: number }>();
  private readonly pending = new Map<number, { offset: bigint; state: ChainState }[]>();

  restore(partition: number, state: ChainState): void {
    this.committed.set(state.id, { ...state, partition });
  }

  retainOnly(partitions: readonly number[]): void {
    const kept = new Set(partitions);
    for (const [id, state] of this.committed) if (!kept.has(state.partition)) this.committed.delete(id);
    for (const partition of this.pending.keys()) if (!kept.has(partition)) this.pending.delete(partition);
  }

  /** A message at or before a pending one is a retry of its transaction: forget what it had pending. */
  beginMessage(partition: number, offset: bigint): void {
    const list = this.pending.get(partition);
    if (list)
      this.pending.set(
        partition,
        list.filter((entry) => entry.offset < offset),
      );
  }

  get(partition: number, id: string): ChainState | null {
    const pending = this.pending.get(partition)?.findLast((entry) => entry.state.id === id);
    return pending?.state ?? this.committed.get(id) ?? null;
  }

  markPending(partition: number, offset: bigint, state: ChainState): void {
    this.pending.set(partition, [...(this.pending.get(partition) ?? []), { offset, state }]);
  }

  commit(partition: number): void {
    for (const { state } of this.pending.get(partition) ?? [])
      this.committed.set(state.id, { ...state, partition });
    this.pending.delete(partition);
  }

  /** A change made outside a transaction (the silence check), committed with its own produce. */
  set(partition: number, state: ChainState): void {
    this.committed.set(state.id, { ...state, partition });
  }

  all(): (ChainState & { partition: number })[] {
    return [...this.committed.values()];
  }
}
