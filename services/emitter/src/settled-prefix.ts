/**
 * Tracks which messages of a run are settled (accepted by Datadog or acked by the dead-letter topic), in any
 * order, and how many from the start are settled without a gap: the part whose offsets may be committed.
 */
export class SettledPrefix {
  readonly #settled: boolean[];
  #length = 0;

  constructor(count: number) {
    this.#settled = new Array<boolean>(count).fill(false);
  }

  settle(index: number): void {
    this.#settled[index] = true;
    while (this.#length < this.#settled.length && this.#settled[this.#length]) this.#length += 1;
  }

  /** How many messages from the start are settled. */
  get length(): number {
    return this.#length;
  }

  get complete(): boolean {
    return this.#length === this.#settled.length;
  }
}
