import type { AuditCell } from '@trailstream/schemas';
import type { Kafka, Message } from 'kafkajs';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { partitionEnds, readCommittedRanges } from '../read-committed.js';
import type { TopicsConfig } from '../topology.js';
import {
  type AuditEntry,
  type AuditOutcome,
  type AuditStage,
  auditEntryMessage,
  counterName,
  latestAuditEntries,
  parseAuditEntry,
  splitCounterName,
} from './audit-entry.js';

export interface AuditLedgerOptions {
  stage: AuditStage;
  /** The audit topic (TOPIC_AUDIT). */
  topic: string;
  registry: Registry;
  /** Cells of hours older than this are forgotten; the topic deletes them after the same time. */
  retentionMs: number;
  /**
   * At least once (the emitter): a message before a cell's committed offset was counted already and is
   * not counted again when it is delivered again. The exactly-once stages rely on their transactions.
   */
  dedupeByOffset: boolean;
  now?: () => number;
}

interface CellCounts {
  cell: AuditCell;
  counts: Record<string, number>;
  /** Every message of the input partition before this offset is counted. */
  offset: bigint;
}

interface PartitionState {
  committed: Map<string, CellCounts>;
  /** Counted since the last write, not yet written. */
  pending: Map<string, CellCounts>;
  /** Written into the open transaction (or the produce in flight), not yet committed. */
  staged: CellCounts[];
}

const cellKey = (cell: AuditCell) => `${cell.hour}|${cell.stream}`;

function addCounts(into: Record<string, number>, from: Record<string, number>): Record<string, number> {
  const sum = { ...into };
  for (const [name, n] of Object.entries(from)) sum[name] = (sum[name] ?? 0) + n;
  return sum;
}

/**
 * Distinct account × region label pairs a ledger gives its metrics; later ones count as `other`. The
 * folders come from object keys, which anyone allowed to write to the trail bucket can make up.
 */
const MAX_STREAM_LABELS = 1_000;

type StreamLabels = { account: string; region: string };

/**
 * One stage's reconciliation counts per input partition and cell (stream × hour), cumulative, so each
 * write of a cell replaces the one before it in the compacted audit topic. Counts wait in `pending` until
 * the stage writes them (`stage`), inside its transaction or before its offset commit, and become the
 * committed state only when that write is durable (`commit`); an abort forgets them (`discard`).
 */
export class AuditLedger {
  readonly #options: AuditLedgerOptions;
  readonly #now: () => number;
  readonly #partitions = new Map<number, PartitionState>();
  #auditPartitions = 1;
  #agedOutAt = Number.NEGATIVE_INFINITY;
  readonly #records: Counter<'stage' | 'outcome' | 'detail' | 'account' | 'region'>;
  readonly #cells: Gauge<'stage'>;
  readonly #writeFailures: Counter<'stage'>;
  readonly #streamLabels = new Set<string>();

  constructor(options: AuditLedgerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const registers = [options.registry];
    this.#records = new Counter({
      name: 'trailstream_audit_records_total',
      help: 'Records counted for reconciliation once durable, by stage, outcome (read, dropped, forwarded, delivered, dead-lettered), rule or reason, account and region',
      labelNames: ['stage', 'outcome', 'detail', 'account', 'region'] as const,
      registers,
    });
    this.#cells = new Gauge({
      name: 'trailstream_audit_cells',
      help: 'Stream × hour cells of reconciliation counts held in memory',
      labelNames: ['stage'] as const,
      registers,
    });
    this.#writeFailures = new Counter({
      name: 'trailstream_audit_write_failures_total',
      help: 'Writes of reconciliation counts that failed and wait for the next one (emitter)',
      labelNames: ['stage'] as const,
      registers,
    });
  }

  get topic(): string {
    return this.#options.topic;
  }

  #state(partition: number): PartitionState {
    let state = this.#partitions.get(partition);
    if (!state) {
      state = { committed: new Map(), pending: new Map(), staged: [] };
      this.#partitions.set(partition, state);
    }
    return state;
  }

  /**
   * `s3://bucket/…/<account>/<region>` → its account and region, the first `MAX_STREAM_LABELS` pairs as
   * they are, later ones `other`; a key outside the layout (`s3://bucket/?`) is `unknown`.
   */
  #streamLabelsOf(stream: string): StreamLabels {
    const parts = stream.split('/');
    if (parts.at(-1) === '?') return { account: 'unknown', region: 'unknown' };
    const labels = { account: parts.at(-2) ?? '', region: parts.at(-1) ?? '' };
    const key = `${labels.account}/${labels.region}`;
    if (this.#streamLabels.has(key)) return labels;
    if (this.#streamLabels.size >= MAX_STREAM_LABELS) return { account: 'other', region: 'other' };
    this.#streamLabels.add(key);
    return labels;
  }

  /** Counts one outcome of the message at `offset` of `partition`. */
  count(partition: number, offset: string, cell: AuditCell, outcome: AuditOutcome): void {
    const state = this.#state(partition);
    const key = cellKey(cell);
    const committed = state.committed.get(key);
    if (this.#options.dedupeByOffset && committed && BigInt(offset) < committed.offset) return;
    const pending = state.pending.get(key) ?? { cell, counts: {}, offset: 0n };
    const name = counterName(outcome);
    pending.counts[name] = (pending.counts[name] ?? 0) + 1;
    state.pending.set(key, pending);
  }

  /** The pending cells of a partition as audit messages, cumulative up to `offset` (the input offset committed with them). */
  stage(partition: number, offset: string): Message[] {
    const state = this.#state(partition);
    state.staged = [...state.pending.entries()].map(([key, delta]) => ({
      cell: delta.cell,
      counts: addCounts(state.committed.get(key)?.counts ?? {}, delta.counts),
      offset: BigInt(offset),
    }));
    return state.staged.map((cell) => auditEntryMessage(this.#entry(partition, cell), this.#auditPartitions));
  }

  /** The staged write is durable: it becomes the partition's committed state. */
  commit(partition: number): void {
    const state = this.#state(partition);
    const labels = { stage: this.#options.stage };
    for (const [key, delta] of state.pending) {
      const stream = this.#streamLabelsOf(delta.cell.stream);
      for (const [name, n] of Object.entries(delta.counts)) {
        this.#records.inc({ ...labels, ...splitCounterName(name), ...stream }, n);
      }
      const staged = state.staged.find((cell) => cellKey(cell.cell) === key);
      if (staged) state.committed.set(key, staged);
    }
    state.pending.clear();
    state.staged = [];
    // Hours age out slowly: once a minute is enough, and keeps a transaction's commit cheap.
    if (this.#now() - this.#agedOutAt >= 60_000) this.#ageOutAll();
  }

  /** The transaction aborted: what it counted is counted again when its messages are handled again. */
  discard(partition: number): void {
    const state = this.#state(partition);
    state.pending.clear();
    state.staged = [];
  }

  /** The write failed but the input moves on: the counts stay pending for the next write. */
  writeFailed(partition: number): void {
    this.#state(partition).staged = [];
    this.#writeFailures.inc({ stage: this.#options.stage });
  }

  /** Forgets partitions no longer owned, and restores the owned ones from the audit topic. */
  async restore(kafka: Kafka, partitions: readonly number[], logger: Logger): Promise<void> {
    for (const partition of this.#partitions.keys()) {
      if (!partitions.includes(partition)) this.#partitions.delete(partition);
    }
    const ends = await partitionEnds(kafka, this.#options.topic);
    this.#auditPartitions = Math.max(1, ends.length);
    const wanted = new Set(partitions.map((partition) => partition % this.#auditPartitions));
    const entries: AuditEntry[] = [];
    await readCommittedRanges(
      kafka,
      this.#options.topic,
      ends
        .filter(({ partition }) => wanted.has(partition))
        .map(({ partition, low, end }) => ({ partition, from: low, to: end })),
      (_partition, message) => {
        const entry = parseAuditEntry(message.value);
        if (entry?.stage === this.#options.stage && partitions.includes(entry.sourcePartition))
          entries.push(entry);
      },
      { groupPrefix: `trailstream-${this.#options.stage}-audit-restore`, idleTimeoutMs: 120_000 },
    );
    this.load(partitions, entries);
    logger.info({ partitions, cells: entries.length }, 'reconciliation counts restored');
  }

  /** Replaces the state of `partitions` by the entries read back from the audit topic. */
  load(partitions: readonly number[], entries: readonly AuditEntry[]): void {
    for (const partition of partitions)
      this.#partitions.set(partition, { committed: new Map(), pending: new Map(), staged: [] });
    for (const entry of latestAuditEntries(entries)) {
      const cell = { stream: entry.stream, hour: entry.hour };
      this.#state(entry.sourcePartition).committed.set(cellKey(cell), {
        cell,
        counts: entry.counts,
        offset: BigInt(entry.sourceOffset),
      });
    }
    this.#ageOutAll();
  }

  /** A cell's committed counts, for tests. */
  committedCounts(partition: number, cell: AuditCell): Record<string, number> | undefined {
    return this.#partitions.get(partition)?.committed.get(cellKey(cell))?.counts;
  }

  #ageOutAll(): void {
    this.#agedOutAt = this.#now();
    const oldest = this.#agedOutAt - this.#options.retentionMs;
    let cells = 0;
    for (const state of this.#partitions.values()) {
      for (const [key, { cell }] of state.committed) if (cell.hour < oldest) state.committed.delete(key);
      cells += state.committed.size;
    }
    this.#cells.set({ stage: this.#options.stage }, cells);
  }

  #entry(partition: number, { cell, counts, offset }: CellCounts): AuditEntry {
    return {
      stage: this.#options.stage,
      sourcePartition: partition,
      stream: cell.stream,
      hour: cell.hour,
      sourceOffset: offset.toString(),
      counts,
    };
  }
}

/** Where a stage keeps its reconciliation counts, from the topic settings every stage reads. */
export function auditSettings(config: Pick<TopicsConfig, 'TOPIC_AUDIT' | 'AUDIT_RETENTION_HOURS'>) {
  return { topic: config.TOPIC_AUDIT, retentionMs: config.AUDIT_RETENTION_HOURS * 3_600_000 };
}
