import type { AuditCell } from '@trailstream/schemas';
import type { Message } from 'kafkajs';
import { z } from 'zod';

/** The stages that count records for reconciliation. */
export const auditStages = ['fetcher-parser', 'filter-mapper', 'emitter'] as const;
export type AuditStage = (typeof auditStages)[number];

export type OutputKind = 'event' | 'log';

/**
 * What became of one record at one stage. fetcher-parser: `read` (every record of a file, also one
 * that does not parse), `dead-lettered`. filter-mapper: `dropped` (no output: an exclude rule, or no
 * include rule in events mode), `forwarded` (once per output kind), `dead-lettered`. emitter:
 * `delivered` (Datadog accepted it), `dead-lettered` (with the output kind when the message decoded).
 * `file-dead-lettered` (fetcher-parser) counts log files dead-lettered whole: their records were never
 * read, so they are in no other count; `trailstream dlq` holds the reference to replay.
 */
export type AuditOutcome =
  | { outcome: 'read' }
  | { outcome: 'dropped'; rule: string }
  | { outcome: 'forwarded'; output: OutputKind }
  | { outcome: 'delivered'; output: OutputKind }
  | { outcome: 'dead-lettered'; reason: string; output?: OutputKind }
  | { outcome: 'file-dead-lettered'; reason: string };

/**
 * The counter an outcome adds to: `read`, `dropped:<rule>`, `forwarded:event`,
 * `delivered:log`, `dead-lettered:<reason>`, `dead-lettered-event:<reason>`. The part before the first
 * `:` never holds one, so a rule or reason may.
 */
export function counterName(outcome: AuditOutcome): string {
  switch (outcome.outcome) {
    case 'read':
      return outcome.outcome;
    case 'dropped':
      return `dropped:${outcome.rule}`;
    case 'forwarded':
    case 'delivered':
      return `${outcome.outcome}:${outcome.output}`;
    case 'file-dead-lettered':
      return `file-dead-lettered:${outcome.reason}`;
    case 'dead-lettered':
      return `${outcome.output ? `dead-lettered-${outcome.output}` : 'dead-lettered'}:${outcome.reason}`;
  }
}

/** A counter name split at its first `:`: the outcome and its rule, reason or output kind ('' for none). */
export function splitCounterName(name: string): { outcome: string; detail: string } {
  const at = name.indexOf(':');
  return at < 0 ? { outcome: name, detail: '' } : { outcome: name.slice(0, at), detail: name.slice(at + 1) };
}

/**
 * One stage's counts for one cell from one input partition, cumulative up to `sourceOffset` of that
 * partition: a newer entry for the same key replaces the older one, so a rewrite never adds twice.
 */
export interface AuditEntry {
  stage: AuditStage;
  sourcePartition: number;
  stream: string;
  hour: number;
  /** The input offset committed with these counts: every message before it is counted. */
  sourceOffset: string;
  counts: Record<string, number>;
}

const entryValue = z.object({
  stage: z.enum(auditStages),
  sourcePartition: z.number().int().nonnegative(),
  stream: z.string().min(1),
  hour: z.number().int().nonnegative(),
  sourceOffset: z.string().regex(/^\d+$/),
  counts: z.record(z.string(), z.number().int().nonnegative()),
});

const hourText = (hour: number) => new Date(hour).toISOString().slice(0, 13);

/** The compacted key: stage, input partition, hour, stream. */
export function auditEntryKey(
  entry: Pick<AuditEntry, 'stage' | 'sourcePartition' | 'stream' | 'hour'>,
): string {
  return `${entry.stage}|${entry.sourcePartition}|${hourText(entry.hour)}|${entry.stream}`;
}

/** The entry as a message of the audit topic, on the partition that holds its input partition's entries. */
export function auditEntryMessage(entry: AuditEntry, auditPartitions: number): Message {
  return {
    key: auditEntryKey(entry),
    value: JSON.stringify(entry),
    partition: entry.sourcePartition % auditPartitions,
  };
}

/** Reads an entry back; a tombstone or anything not an entry gives null. */
export function parseAuditEntry(value: Buffer | null): AuditEntry | null {
  if (value === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString());
  } catch {
    return null;
  }
  const result = entryValue.safeParse(parsed);
  return result.success ? result.data : null;
}

/**
 * The latest entry per key: the one that runs to the highest input offset. A partition's previous owner
 * may write once more after its successor did (the emitter is not fenced); its counts then run less far.
 */
export function latestAuditEntries(entries: Iterable<AuditEntry>): AuditEntry[] {
  const latest = new Map<string, AuditEntry>();
  for (const entry of entries) {
    const key = auditEntryKey(entry);
    const known = latest.get(key);
    if (!known || BigInt(entry.sourceOffset) >= BigInt(known.sourceOffset)) latest.set(key, entry);
  }
  return [...latest.values()];
}

/** Carries a record's cell on each Datadog output, so the emitter counts it without the record. */
export const AUDIT_CELL_HEADER = 'trailstream-audit-cell';

export function auditCellHeader(cell: AuditCell): string {
  return `${cell.hour}|${cell.stream}`;
}

/** The cell a Datadog output carries; null when it carries none (an integrity finding) or a malformed one. */
export function parseAuditCellHeader(value: Buffer | string | undefined): AuditCell | null {
  if (value === undefined) return null;
  const text = value.toString();
  const at = text.indexOf('|');
  const hour = Number(text.slice(0, at));
  const stream = text.slice(at + 1);
  return at > 0 && Number.isSafeInteger(hour) && hour >= 0 && stream.length > 0 ? { stream, hour } : null;
}
