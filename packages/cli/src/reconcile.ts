import { type AuditEntry, latestAuditEntries, splitCounterName } from '@trailstream/runtime';
import { formatTable } from './table.js';
import { iso } from './time-flags.js';

const HOUR_MS = 3_600_000;

export type RowStatus = 'balanced' | 'in flight' | 'missing' | 'over-counted';

/** One stream × hour: where its records went, end to end. */
export interface ReconciledRow {
  stream: string;
  /** Start of the log files' delivery hour (epoch ms). */
  hour: number;
  read: number;
  deliveredEvents: number;
  deliveredLogs: number;
  /** By rule name (`(no include rule)` in events mode). */
  dropped: Record<string, number>;
  /** By `<stage>: <reason>`. */
  deadLettered: Record<string, number>;
  /**
   * Log files fetcher-parser dead-lettered whole, by reason: none of their records was read, so they are
   * in no other count (`trailstream dlq` holds their references to replay).
   */
  filesDeadLettered: Record<string, number>;
  /** Records neither delivered, dropped nor dead-lettered; negative when counted more often than read. */
  unaccounted: number;
  status: RowStatus;
}

export interface ReconcileOptions {
  /** Hours from the one holding `since` to the one holding `until`. */
  since: number;
  until: number;
  /** Keep streams whose id contains one of these; all when empty. */
  streams: readonly string[];
  /** Whether the records of an hour may still be on their way (the stages have lag and the hour is recent). */
  mayBeInFlight: (hour: number) => boolean;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((sum, n) => sum + n, 0);

/** The counters of one outcome, by their detail (rule, reason, output kind). */
function byDetail(counts: Record<string, number>, outcome: string): Record<string, number> {
  const found: Record<string, number> = {};
  for (const [name, n] of Object.entries(counts)) {
    const split = splitCounterName(name);
    if (split.outcome === outcome) found[split.detail] = (found[split.detail] ?? 0) + n;
  }
  return found;
}

function add(into: Record<string, number>, from: Record<string, number>, prefix = ''): void {
  for (const [name, n] of Object.entries(from))
    into[`${prefix}${name}`] = (into[`${prefix}${name}`] ?? 0) + n;
}

/**
 * Balances one cell from each stage's counts. Logs carry every record no rule dropped (logs and both
 * modes), events only those an include rule matched, so the end-to-end balance is taken on logs when
 * filter-mapper forwarded any, on events otherwise:
 *   read = delivered + dropped + dead-lettered (fetcher-parser, filter-mapper, emitter for that kind).
 * In both modes the events forwarded must also all be delivered or dead-lettered by the emitter.
 */
export function balanceCell(
  stream: string,
  hour: number,
  stages: Record<'fetcher-parser' | 'filter-mapper' | 'emitter', Record<string, number>>,
  mayBeInFlight: boolean,
): ReconciledRow {
  const fetcher = stages['fetcher-parser'];
  const filter = stages['filter-mapper'];
  const emitter = stages.emitter;
  const read = fetcher.read ?? 0;
  const dropped = byDetail(filter, 'dropped');
  const upstreamDeadLetters =
    total(byDetail(fetcher, 'dead-lettered')) + total(byDetail(filter, 'dead-lettered'));
  const delivered = byDetail(emitter, 'delivered');
  const forwarded = byDetail(filter, 'forwarded');
  const emitterDeadLetters = {
    event: total(byDetail(emitter, 'dead-lettered-event')),
    log: total(byDetail(emitter, 'dead-lettered-log')),
    unknown: total(byDetail(emitter, 'dead-lettered')),
  };
  const byLogs = (forwarded.log ?? 0) > 0 || (delivered.log ?? 0) > 0 || emitterDeadLetters.log > 0;
  const kind = byLogs ? 'log' : 'event';
  const recordGap =
    read -
    ((delivered[kind] ?? 0) +
      total(dropped) +
      upstreamDeadLetters +
      emitterDeadLetters[kind] +
      emitterDeadLetters.unknown);
  const eventGap = byLogs ? (forwarded.event ?? 0) - (delivered.event ?? 0) - emitterDeadLetters.event : 0;
  const unaccounted = recordGap !== 0 ? recordGap : eventGap;

  const deadLettered: Record<string, number> = {};
  add(deadLettered, byDetail(fetcher, 'dead-lettered'), 'fetcher-parser: ');
  add(deadLettered, byDetail(filter, 'dead-lettered'), 'filter-mapper: ');
  add(deadLettered, byDetail(emitter, 'dead-lettered'), 'emitter: ');
  add(deadLettered, byDetail(emitter, 'dead-lettered-event'), 'emitter (event): ');
  add(deadLettered, byDetail(emitter, 'dead-lettered-log'), 'emitter (log): ');

  const status: RowStatus =
    unaccounted === 0
      ? 'balanced'
      : mayBeInFlight
        ? 'in flight'
        : unaccounted > 0
          ? 'missing'
          : 'over-counted';
  return {
    stream,
    hour,
    read,
    deliveredEvents: delivered.event ?? 0,
    deliveredLogs: delivered.log ?? 0,
    dropped,
    deadLettered,
    filesDeadLettered: byDetail(fetcher, 'file-dead-lettered'),
    unaccounted,
    status,
  };
}

/** Every cell of the range, from the audit topic's entries (the latest per key), in stream then hour order. */
export function reconcile(entries: Iterable<AuditEntry>, options: ReconcileOptions): ReconciledRow[] {
  const first = Math.floor(options.since / HOUR_MS) * HOUR_MS;
  const cells = new Map<
    string,
    { stream: string; hour: number; stages: Parameters<typeof balanceCell>[2] }
  >();
  for (const entry of latestAuditEntries(entries)) {
    if (entry.hour < first || entry.hour > options.until) continue;
    if (options.streams.length > 0 && !options.streams.some((text) => entry.stream.includes(text))) continue;
    const key = `${entry.stream}|${entry.hour}`;
    let cell = cells.get(key);
    if (!cell) {
      cell = {
        stream: entry.stream,
        hour: entry.hour,
        stages: { 'fetcher-parser': {}, 'filter-mapper': {}, emitter: {} },
      };
      cells.set(key, cell);
    }
    add(cell.stages[entry.stage], entry.counts);
  }
  return [...cells.values()]
    .sort((a, b) => a.stream.localeCompare(b.stream) || a.hour - b.hour)
    .map((cell) => balanceCell(cell.stream, cell.hour, cell.stages, options.mayBeInFlight(cell.hour)));
}

/** What the command exits with: 1 when a record is missing or counted twice, 0 when all balance or are in flight. */
export function auditExitCode(rows: readonly ReconciledRow[]): number {
  return rows.some((row) => row.status === 'missing' || row.status === 'over-counted') ? 1 : 0;
}

const details = (counts: Record<string, number>) =>
  Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');

/** The table `trailstream audit` prints, with each row's drops and dead letters spelled out beneath. */
export function formatAudit(rows: readonly ReconciledRow[]): string {
  if (rows.length === 0) return 'no counts in the range: no record was read from a log file delivered then';
  const main = formatTable(
    [
      'stream',
      'hour',
      'read',
      'events',
      'logs',
      'dropped',
      'dead-lettered',
      'files dead-lettered',
      'unaccounted',
      'status',
    ],
    rows.map((row) => [
      row.stream,
      iso(row.hour).slice(0, 13),
      String(row.read),
      String(row.deliveredEvents),
      String(row.deliveredLogs),
      String(total(row.dropped)),
      String(total(row.deadLettered)),
      String(total(row.filesDeadLettered)),
      String(row.unaccounted),
      row.status,
    ]),
  );
  const notes = rows.flatMap((row) => {
    const lines: string[] = [];
    const where = `${row.stream} ${iso(row.hour).slice(0, 13)}`;
    if (total(row.dropped) > 0) lines.push(`${where}: dropped by ${details(row.dropped)}`);
    if (total(row.deadLettered) > 0) lines.push(`${where}: dead-lettered ${details(row.deadLettered)}`);
    if (total(row.filesDeadLettered) > 0) {
      lines.push(
        `${where}: log files dead-lettered whole, their records in no count (see trailstream dlq): ${details(row.filesDeadLettered)}`,
      );
    }
    return lines;
  });
  const counted = rows.reduce((sum, row) => sum + row.read, 0);
  const by = (status: RowStatus) => rows.filter((row) => row.status === status).length;
  const files = rows.reduce((sum, row) => sum + total(row.filesDeadLettered), 0);
  const summary = `${rows.length} stream-hour(s), ${counted} record(s) read: ${by('balanced')} balanced, ${by('in flight')} in flight, ${by('missing')} missing, ${by('over-counted')} over-counted${files > 0 ? `; ${files} log file(s) dead-lettered whole` : ''}`;
  return [main, ...(notes.length > 0 ? ['', ...notes] : []), '', summary].join('\n');
}
