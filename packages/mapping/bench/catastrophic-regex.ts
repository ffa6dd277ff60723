import { cpus } from 'node:os';
import { parseRules, selectRule } from '@trailstream/mapping';

/**
 * Time per match of the catastrophic rule /^(\w+\s?)*$/ on a crafted 10 KB user agent (word
 * characters, then one that fails): a backtracking engine needs ~2^n steps, the rule engine is linear.
 */
const rules = parseRules(
  "include:\n  - name: redos\n    match:\n      userAgent: '/^(\\w+\\s?)*$/'\n",
  'bench.yaml',
);
const userAgent = `${'a'.repeat(10 * 1024 - 1)}!`;
const matches = 200;

function timePerMatchMs(count: number): number {
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    if (selectRule(rules, { userAgent }).kind !== 'not-included') throw new Error('the pattern matched');
  }
  return Number(process.hrtime.bigint() - started) / 1e6 / count;
}

timePerMatchMs(20);
const perMatchMs = timePerMatchMs(matches);
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'rule regex /^(\\w+\\s?)*$/ on a 10 KB user agent that does not match, one core',
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      userAgentBytes: userAgent.length,
      matches,
      msPerMatch: Number(perMatchMs.toFixed(3)),
    },
    null,
    2,
  )}\n`,
);
