/**
 * Commits one partition's offsets in order: a periodic commit of the settled prefix and the commit at the
 * end of a run may overlap, and the committed offset must never move backwards.
 */
export class PartitionCommitter {
  #committedThrough = -1n;
  #queue: Promise<void> = Promise.resolve();

  /** `commit(next)` commits `next`, the offset after the last settled message. */
  constructor(private readonly commit: (lastSettled: string, next: string) => Promise<void>) {}

  /** Commits past `lastSettled` unless a later offset was committed already. */
  commitThrough(lastSettled: string): Promise<void> {
    const offset = BigInt(lastSettled);
    const run = this.#queue.then(async () => {
      if (offset <= this.#committedThrough) return;
      await this.commit(lastSettled, (offset + 1n).toString());
      this.#committedThrough = offset;
    });
    // A failed commit must not block the ones after it; the caller still sees the failure.
    this.#queue = run.catch(() => undefined);
    return run;
  }
}
