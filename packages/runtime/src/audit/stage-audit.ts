import type { AuditCell } from '@trailstream/cloudtrail';
import type { StageMessage } from '../stage-message.js';
import type { AuditLedger } from './audit-ledger.js';

/**
 * A transactional stage's reconciliation: its ledger, and where a message the runtime dead-letters by
 * itself (its handler kept failing, Kafka refused its output) is counted. `cellOf` gives null for an
 * input that is not one record (fetcher-parser's object references: no record of it was read).
 */
export class StageAudit {
  constructor(
    readonly ledger: AuditLedger,
    private readonly cellOf: (message: StageMessage) => AuditCell | null,
  ) {}

  countDeadLetter(message: StageMessage, reason: string): void {
    const cell = this.cellOf(message);
    if (cell)
      this.ledger.count(message.partition, message.offset, cell, { outcome: 'dead-lettered', reason });
  }
}
