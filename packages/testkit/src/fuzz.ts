/**
 * fast-check parameters for the property tests: a fixed seed and a bounded number of runs in the unit
 * suite (fast, and a failure reproduces), many more under `npm run fuzz` (FUZZ_RUNS, FUZZ_SEED).
 */
export function fuzzParameters(unitRuns = 200): { seed: number; numRuns: number; endOnFailure: true } {
  const runs = Number(process.env.FUZZ_RUNS ?? unitRuns);
  const seed = Number(process.env.FUZZ_SEED ?? 1313);
  return { seed, numRuns: Number.isInteger(runs) && runs > 0 ? runs : unitRuns, endOnFailure: true };
}

/** The longest one fuzzed input may take: far above a linear pass, far below a hang. */
export const fuzzInputBudgetMs = 2_000;

/** Time for one property: its bounded unit runs on a loaded machine, or a long `npm run fuzz`. */
export const fuzzTimeoutMs = process.env.FUZZ_RUNS === undefined ? 30_000 : 3_600_000;
