import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { CloudTrailObjectError, readCloudTrailRecords } from '@trailstream/cloudtrail';
import { toEventPayload } from '@trailstream/datadog';
import { mapRecord } from '@trailstream/mapping';
import { CliError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { localFolderSource, type ObjectSource } from '../embedded/object-sources.js';
import { loadRules } from '../rules-file.js';

async function sourceFor(path: string): Promise<ObjectSource> {
  const info = await stat(path).catch(() => {
    throw new CliError(`${path} does not exist`);
  });
  if (info.isDirectory()) return localFolderSource(path, true);
  // A single file: list its folder and keep just it.
  const folder = localFolderSource(dirname(path), true);
  const name = basename(path);
  return {
    describe: path,
    skipped: folder.skipped,
    async *objects() {
      for await (const object of folder.objects()) if (basename(object.ref.key) === name) yield object;
    },
  };
}

export const rulesCommand = defineCommand({
  name: 'rules',
  summary: 'test a rules file: per record, kept or dropped and by which rule, and the event it becomes',
  usage: 'trailstream rules test [--rules file.yaml] [--json] [--events] <CloudTrail file or folder>...',
  optionHelp: [
    ['--rules <file>', 'the rules file to test (default: the shipped rules)'],
    ['--json', 'one JSON object per record: eventID, decision, rule, and the event'],
    ['--events', 'also print the full event each kept record becomes'],
  ],
  options: {
    rules: { type: 'string' },
    json: { type: 'boolean' },
    events: { type: 'boolean' },
  },
  async run({ values, positionals }) {
    const [action, ...paths] = positionals;
    if (action !== 'test')
      throw new CliError(`expected 'test', got ${action === undefined ? 'nothing' : `'${action}'`}`);
    if (paths.length === 0)
      throw new CliError('name at least one CloudTrail file or folder to test the rules on');
    const { rules, path: rulesPath } = await loadRules(values.rules);
    const totals = { records: 0, kept: 0, excluded: 0, notIncluded: 0 };
    const out = (line: string) => process.stdout.write(`${line}\n`);

    for (const path of paths) {
      const source = await sourceFor(path);
      for await (const object of source.objects()) {
        try {
          const source = { bucket: 'local', key: object.ref.key, etag: null };
          for await (const item of readCloudTrailRecords(await object.open(), source)) {
            if ('failure' in item) {
              const { failure } = item;
              process.stderr.write(
                `${object.ref.key}: record ${failure.index} skipped (${failure.reason}): ${failure.message}\n`,
              );
              continue;
            }
            const { record } = item;
            const { index } = record.origin;
            const { decision, outputs } = mapRecord(record.json, rules, {
              mode: 'events',
              logService: 'cloudtrail',
            });
            const event = outputs[0]?.event ?? null;
            totals.records++;
            if (decision.kind === 'included') totals.kept++;
            else if (decision.kind === 'excluded') totals.excluded++;
            else totals.notIncluded++;
            const rule =
              decision.kind === 'not-included'
                ? null
                : { name: decision.rule.name, line: decision.rule.line };
            if (values.json) {
              out(
                JSON.stringify({
                  file: object.ref.key,
                  index,
                  eventID: record.eventID,
                  decision: decision.kind,
                  rule,
                  event: event && toEventPayload(event),
                }),
              );
              continue;
            }
            const what = `${record.eventSource} ${record.eventName}`;
            if (decision.kind === 'included')
              out(`KEPT     ${what}  by ${rule!.name} (line ${rule!.line})  → ${event!.title}`);
            else if (decision.kind === 'excluded')
              out(`DROPPED  ${what}  excluded by ${rule!.name} (line ${rule!.line})`);
            else out(`DROPPED  ${what}  no include rule matched`);
            if (values.events && event) out(JSON.stringify(toEventPayload(event), null, 2));
          }
        } catch (error) {
          if (!(error instanceof CloudTrailObjectError)) throw error;
          process.stderr.write(`${object.ref.key}: unreadable (${error.reason}): ${error.message}\n`);
        }
      }
    }
    process.stderr.write(
      `${rulesPath}: ${totals.records} records, ${totals.kept} kept, ${totals.excluded} excluded by a rule, ${totals.notIncluded} matched no include rule\n`,
    );
    return 0;
  },
});
