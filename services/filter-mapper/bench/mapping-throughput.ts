import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { defaultRulesPath, mapRecord, type OutputMode, parseRules } from '@trailstream/mapping';
import { cloudTrailRecordContract, datadogOutputContract } from '@trailstream/schemas';
import { loadFixtureRecords } from '@trailstream/testkit';
import { benchRecordMessage } from './record-message.js';

/**
 * Records per second one core maps: decode the record message, apply the default rules, build the
 * outputs and encode them, as the service's handler does minus Kafka. Runs on the real fixture records,
 * every record a few times over, after a warm-up.
 */
const rules = parseRules(readFileSync(defaultRulesPath, 'utf8'));
const messages = loadFixtureRecords().records.map(({ json }, index) =>
  benchRecordMessage(`e-${index}`, json, { bucket: 'bench', key: 'fixtures', etag: null, index }),
);

function run(mode: OutputMode, rounds: number) {
  let outputs = 0;
  let failed = 0;
  const started = process.hrtime.bigint();
  for (let round = 0; round < rounds; round++) {
    for (const message of messages) {
      try {
        const record = cloudTrailRecordContract.decode(message.value, message.headers);
        for (const output of mapRecord(record.json, rules, { mode, logService: 'cloudtrail' }, record.origin)
          .outputs) {
          datadogOutputContract.encode(output);
          outputs++;
        }
      } catch {
        failed++;
      }
    }
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const records = messages.length * rounds;
  return {
    mode,
    records,
    outputs,
    deadLettered: failed,
    seconds: Number(seconds.toFixed(3)),
    recordsPerSecondPerCore: Math.round(records / seconds),
  };
}

run('both', 2);
const results = (['events', 'logs', 'both'] as const).map((mode) => run(mode, 10));
process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'filter-mapper pure mapping (decode, rules, map, encode), one core',
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      fixtureRecords: messages.length,
      results,
    },
    null,
    2,
  )}\n`,
);
