import fc from 'fast-check';

/**
 * fast-check parameters for the property tests: a fixed seed and a bounded number of runs in the unit
 * suite (fast, and a failure reproduces), many more under `npm run fuzz` (FUZZ_RUNS, FUZZ_SEED).
 */
export function fuzzParameters(unitRuns = 200): { seed: number; numRuns: number; endOnFailure: true } {
  const runs = Number(process.env.FUZZ_RUNS ?? unitRuns);
  const seed = Number(process.env.FUZZ_SEED ?? 1313);
  return { seed, numRuns: Number.isInteger(runs) && runs > 0 ? runs : unitRuns, endOnFailure: true };
}

/** The longest one fuzzed input may take: far above a linear pass on a loaded machine, far below a hang. */
export const fuzzInputBudgetMs = 5_000;

/** Time for one property: its bounded unit runs on a loaded machine, or a long `npm run fuzz`. */
export const fuzzTimeoutMs = process.env.FUZZ_RUNS === undefined ? 30_000 : 3_600_000;

/** One edit of a text: cut it, insert at a place, delete a run, or repeat a run many times. */
export type TextMutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'delete'; at: number; length: number }
  | { kind: 'repeat'; at: number; length: number; times: number };

/** Edits of a text, inserting what `insertions` makes (random characters, or tokens of a syntax). */
export function textMutations(
  insertions: fc.Arbitrary<string>,
  { minLength = 1, maxLength = 4 } = {},
): fc.Arbitrary<TextMutation[]> {
  const mutation: fc.Arbitrary<TextMutation> = fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: insertions }),
    fc.record({
      kind: fc.constant('delete' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 20 }),
    }),
    fc.record({
      kind: fc.constant('repeat' as const),
      at: fc.nat(),
      length: fc.integer({ min: 1, max: 16 }),
      times: fc.integer({ min: 2, max: 20_000 }),
    }),
  );
  return fc.array(mutation, { minLength, maxLength });
}

export function mutateText(text: string, mutations: readonly TextMutation[]): string {
  let out = text;
  for (const m of mutations) {
    const at = out.length === 0 ? 0 : m.at % out.length;
    if (m.kind === 'truncate') out = out.slice(0, at);
    else if (m.kind === 'insert') out = out.slice(0, at) + m.text + out.slice(at);
    else if (m.kind === 'delete') out = out.slice(0, at) + out.slice(at + m.length);
    else out = out.slice(0, at) + out.slice(at, at + m.length).repeat(m.times) + out.slice(at);
  }
  return out;
}
