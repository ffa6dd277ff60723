/** Counts per second over a sliding window, for a records-per-second gauge that needs no PromQL. */
export class ThroughputWindow {
  private readonly events: { at: number; count: number }[] = [];

  constructor(private readonly windowMs = 60_000) {}

  add(count: number, now: number): void {
    this.events.push({ at: now, count });
    this.prune(now);
  }

  perSecond(now: number): number {
    this.prune(now);
    let total = 0;
    for (const event of this.events) total += event.count;
    return total / (this.windowMs / 1000);
  }

  private prune(now: number): void {
    while (this.events.length > 0 && now - this.events[0]!.at >= this.windowMs) this.events.shift();
  }
}
