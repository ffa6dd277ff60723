import {
  AUDIT_CELL_HEADER,
  type AuditLedger,
  type AuditOutcome,
  type Logger,
  parseAuditCellHeader,
} from '@trailstream/runtime';
import type { AuditCell } from '@trailstream/schemas';
import type { KafkaMessage, Producer } from 'kafkajs';

/**
 * The emitter's reconciliation counts. Outcomes are noted as messages settle (in any order) and counted
 * in offset order when the settled prefix is committed: written to the audit topic first, then the
 * offset commit. A message delivered again after a crash lies before its cell's written offset and is
 * not counted twice. A failed write never holds the commit back; its counts go with the next write.
 */
export class DeliveryAudit {
  readonly #settled = new Map<number, Map<bigint, { cell: AuditCell; outcome: AuditOutcome }>>();

  constructor(
    private readonly ledger: AuditLedger,
    private readonly producer: Producer,
    private readonly logger: Logger,
  ) {}

  /** `message` of `partition` is settled as `outcome`; a message with no cell (an integrity finding) is not a record. */
  note(partition: number, message: KafkaMessage, outcome: AuditOutcome): void {
    const header = message.headers?.[AUDIT_CELL_HEADER];
    const cell = parseAuditCellHeader(Array.isArray(header) ? header[0] : header);
    if (!cell) return;
    let settled = this.#settled.get(partition);
    if (!settled) {
      settled = new Map();
      this.#settled.set(partition, settled);
    }
    settled.set(BigInt(message.offset), { cell, outcome });
  }

  /** Counts and writes what settled through `lastSettled`; call it before committing past it. */
  async writeThrough(partition: number, lastSettled: string): Promise<void> {
    const through = BigInt(lastSettled);
    const settled = this.#settled.get(partition);
    for (const [offset, { cell, outcome }] of [...(settled ?? [])].sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (offset > through) break;
      this.ledger.count(partition, offset.toString(), cell, outcome);
      settled?.delete(offset);
    }
    const messages = this.ledger.stage(partition, (through + 1n).toString());
    if (messages.length === 0) return;
    try {
      await this.producer.send({ topic: this.ledger.topic, messages, acks: -1 });
      this.ledger.commit(partition);
    } catch (error) {
      this.ledger.writeFailed(partition);
      this.logger.warn(
        { err: error, partition },
        'reconciliation counts not written; they go with the next commit',
      );
    }
  }

  /** A new assignment: outcomes noted for other partitions are dropped, the owned ones restored. */
  async assigned(restore: (partitions: number[]) => Promise<void>, partitions: number[]): Promise<void> {
    for (const partition of this.#settled.keys())
      if (!partitions.includes(partition)) this.#settled.delete(partition);
    await restore(partitions);
  }
}
