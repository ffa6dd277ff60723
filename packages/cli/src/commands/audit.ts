import { type AuditEntry, parseAuditEntry, partitionEnds, readCommittedRanges } from '@trailstream/runtime';
import { CliError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { connectKafka, requireTopic } from '../kafka-connection.js';
import { groupLag } from '../pipeline-lag.js';
import { auditExitCode, formatAudit, reconcile } from '../reconcile.js';
import { iso, parseTime } from '../time-flags.js';

const HOUR_MS = 3_600_000;
const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: HOUR_MS };

/** `90s`, `30m`, `2h`. */
export function parseDuration(flag: string, value: string | undefined, fallbackMs: number): number {
  if (value === undefined) return fallbackMs;
  const match = /^(\d+)(s|m|h)$/.exec(value);
  if (!match) throw new CliError(`${flag} expects a duration such as 90s, 30m or 2h, got "${value}"`);
  return Number(match[1]) * UNIT_MS[match[2]!]!;
}

export const auditCommand = defineCommand({
  name: 'audit',
  summary: 'reconcile records read with records delivered, dropped and dead-lettered; exit 1 on any missing',
  usage: 'trailstream audit --since <date|time> --until <date|time> [--stream <text>]... [--json]',
  optionHelp: [
    ['--since <when>', 'first delivery hour: YYYY-MM-DD or an ISO time (UTC)'],
    ['--until <when>', 'last delivery hour: YYYY-MM-DD (the whole day) or an ISO time (UTC)'],
    [
      '--stream <text>',
      'only streams whose id (s3://bucket/…AWSLogs/…/<account>/<region>) contains it; repeatable',
    ],
    [
      '--settle <duration>',
      'while the stages have lag, hours ended less than this ago are "in flight" (default 30m)',
    ],
    ['--json', "print the rows and the stages' lag as JSON"],
    ['--brokers <list>', 'Kafka bootstrap servers (default: $KAFKA_BROKERS)'],
    ['--fetcher-parser-group <id>', "fetcher-parser's consumer group (default trailstream-fetcher-parser)"],
    ['--filter-mapper-group <id>', "filter-mapper's consumer group (default trailstream-filter-mapper)"],
    ['--emitter-group <id>', "emitter's consumer group (default trailstream-emitter)"],
  ],
  options: {
    since: { type: 'string' },
    until: { type: 'string' },
    stream: { type: 'string', multiple: true },
    settle: { type: 'string' },
    json: { type: 'boolean' },
    brokers: { type: 'string' },
    'fetcher-parser-group': { type: 'string' },
    'filter-mapper-group': { type: 'string' },
    'emitter-group': { type: 'string' },
  },
  async run({ values }) {
    const since = parseTime('--since', values.since, false);
    const until = parseTime('--until', values.until, true);
    if (since > until) throw new CliError('--since must not be after --until');
    const settleMs = parseDuration('--settle', values.settle, 30 * 60_000);
    const streams = values.stream ?? [];
    if (streams.some((text) => text.trim() === ''))
      throw new CliError('--stream expects some text of a stream id');

    const { kafka, topics } = connectKafka(values.brokers);
    await requireTopic(kafka, topics.TOPIC_AUDIT);
    const lag = {
      'fetcher-parser': await groupLag(
        kafka,
        values['fetcher-parser-group'] ?? 'trailstream-fetcher-parser',
        topics.TOPIC_OBJECTS,
      ),
      'filter-mapper': await groupLag(
        kafka,
        values['filter-mapper-group'] ?? 'trailstream-filter-mapper',
        topics.TOPIC_RECORDS,
      ),
      emitter: await groupLag(kafka, values['emitter-group'] ?? 'trailstream-emitter', topics.TOPIC_DATADOG),
    };
    const lagging = Object.values(lag).some((n) => n > 0);
    const now = Date.now();

    const entries: AuditEntry[] = [];
    const ranges = (await partitionEnds(kafka, topics.TOPIC_AUDIT)).map(({ partition, low, end }) => ({
      partition,
      from: low,
      to: end,
    }));
    await readCommittedRanges(
      kafka,
      topics.TOPIC_AUDIT,
      ranges,
      (_partition, message) => {
        const entry = parseAuditEntry(message.value);
        if (entry) entries.push(entry);
      },
      { groupPrefix: 'trailstream-cli-audit' },
    );
    const rows = reconcile(entries, {
      since,
      until,
      streams,
      mayBeInFlight: (hour) => lagging && hour + HOUR_MS + settleMs > now,
    });
    const code = auditExitCode(rows);
    if (values.json) {
      process.stdout.write(
        `${JSON.stringify({ since: iso(since), until: iso(until), lag, rows }, null, 2)}\n`,
      );
    } else {
      process.stderr.write(
        `auditing ${topics.TOPIC_AUDIT} from ${iso(since)} to ${iso(until)}; messages not yet committed: ${Object.entries(
          lag,
        )
          .map(([stage, n]) => `${stage} ${n}`)
          .join(', ')}\n`,
      );
      process.stdout.write(`${formatAudit(rows)}\n`);
    }
    return code;
  },
});
