/** One object already turned into records: its `s3://bucket/key`, the version read, and when. */
export interface SeenObject {
  objectKey: string;
  etag: string;
  /** epoch milliseconds */
  processedAt: number;
  /**
   * Set while the object is still being read, over several transactions: the input message handling it
   * and the index of the first record not yet committed. Such an entry is a resume point, not a duplicate.
   */
  resume?: ObjectProgress;
}

export interface ObjectProgress {
  offset: string;
  nextRecord: number;
}

interface PendingObject extends SeenObject {
  offset: bigint;
}

interface PartitionState {
  committed: Map<string, SeenObject>;
  /** Objects handled in the transaction now open on this partition: not yet durable. */
  pending: PendingObject[];
}

/**
 * Which objects each input partition has already processed, within a retention. It mirrors the
 * changelog topic: entries become committed only when the transaction that wrote them commits, so an
 * aborted transaction never hides an object from its retry.
 */
export class SeenObjects {
  private readonly partitions = new Map<number, PartitionState>();

  constructor(private readonly retentionMs: number) {}

  /** Replaces a partition's state with what its changelog holds, keeping the newest entry per object. */
  restore(partition: number, entries: Iterable<SeenObject>, now: number): void {
    const committed = new Map<string, SeenObject>();
    for (const entry of entries) {
      committed.delete(entry.objectKey);
      if (this.isLive(entry, now)) committed.set(entry.objectKey, entry);
    }
    this.partitions.set(partition, { committed, pending: [] });
  }

  /** Forgets partitions no longer assigned to this process. */
  retainOnly(partitions: readonly number[]): void {
    const kept = new Set(partitions);
    for (const partition of this.partitions.keys()) {
      if (!kept.has(partition)) this.partitions.delete(partition);
    }
  }

  /**
   * Called before each input message is handled. Messages of a partition are handled in offset order
   * inside a transaction, so an offset at or below a pending one means that transaction was aborted
   * and is being retried: its pending entries are void.
   */
  beginMessage(partition: number, offset: bigint): void {
    const state = this.partitions.get(partition);
    if (!state) return;
    const last = state.pending[state.pending.length - 1];
    if (last !== undefined && offset <= last.offset) state.pending = [];
  }

  /** True when this version of the object was processed within the retention (committed or in this transaction). */
  has(partition: number, objectKey: string, etag: string, now: number): boolean {
    const state = this.partitions.get(partition);
    if (!state) return false;
    const seen = state.committed.get(objectKey);
    if (seen && !seen.resume && seen.etag === etag && this.isLive(seen, now)) return true;
    return state.pending.some(
      (entry) => !entry.resume && entry.objectKey === objectKey && entry.etag === etag,
    );
  }

  /**
   * The index of the first record of this object version not yet committed by the input message at
   * `offset` (0 when it has not begun): a restarted or retried message resumes there.
   */
  nextRecord(partition: number, objectKey: string, etag: string, offset: string): number {
    const seen = this.partitions.get(partition)?.committed.get(objectKey);
    return seen?.resume && seen.etag === etag && seen.resume.offset === offset ? seen.resume.nextRecord : 0;
  }

  markPending(partition: number, offset: bigint, seen: SeenObject): void {
    let state = this.partitions.get(partition);
    if (!state) {
      state = { committed: new Map(), pending: [] };
      this.partitions.set(partition, state);
    }
    state.pending.push({ ...seen, offset });
  }

  /** The open transaction of a partition committed: its pending entries are now durable. */
  commit(partition: number, now: number): void {
    const state = this.partitions.get(partition);
    if (!state) return;
    for (const { offset: _, ...entry } of state.pending) {
      // Re-inserting keeps the map in processing order, so expiry only looks at its head.
      state.committed.delete(entry.objectKey);
      state.committed.set(entry.objectKey, entry);
    }
    state.pending = [];
    for (const [objectKey, entry] of state.committed) {
      if (this.isLive(entry, now)) break;
      state.committed.delete(objectKey);
    }
  }

  /** Entries held, for a gauge. */
  get size(): number {
    let size = 0;
    for (const state of this.partitions.values()) size += state.committed.size;
    return size;
  }

  private isLive(entry: SeenObject, now: number): boolean {
    return now - entry.processedAt < this.retentionMs;
  }
}
