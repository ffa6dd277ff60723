/** A stage's cumulative count of finished items at one moment of a run. */
export interface ProgressSample {
  /** milliseconds since the run started */
  atMs: number;
  count: number;
}

/** The value below which `p` percent of the values fall (nearest rank); `null` for no values. */
export function percentile(sortedAscending: readonly number[], p: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.ceil((p / 100) * sortedAscending.length);
  return sortedAscending[Math.min(sortedAscending.length, Math.max(1, rank)) - 1]!;
}

export interface DelaySummary {
  count: number;
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

export function summarizeDelays(delaysMs: readonly number[]): DelaySummary {
  const sorted = delaysMs.map(Math.round).sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? null,
  };
}

export interface StageRate {
  /** items the stage finished */
  count: number;
  /** from the first sample where it had finished something to the first where it had finished all */
  busySeconds: number | null;
  perSecond: number | null;
}

/**
 * How fast a stage went while it had work: from the sample before its first progress to the first
 * sample showing its final count, so a stage is neither credited with waiting for the one before it
 * nor charged for idling at the end.
 */
export function stageRate(samples: readonly ProgressSample[]): StageRate {
  const final = samples.at(-1)?.count ?? 0;
  const startedAt = samples.findIndex((s) => s.count > 0);
  const end = samples.find((s) => s.count >= final);
  if (startedAt < 0 || !end) return { count: final, busySeconds: null, perSecond: null };
  const startMs = samples[startedAt - 1]?.atMs ?? 0;
  const busySeconds = Math.round((end.atMs - startMs) / 10) / 100;
  return { count: final, busySeconds, perSecond: busySeconds > 0 ? Math.round(final / busySeconds) : null };
}
