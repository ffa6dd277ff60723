import type { AuditCell } from '@trailstream/schemas';
import type { StageMessage } from '../stage-message.js';
import type { AuditOutcome } from './audit-entry.js';
import type { AuditLedger } from './audit-ledger.js';

/** Where and as what a dead-lettered input message counts; null for one that names no log file. */
export type DeadLetterCount = (
  message: StageMessage,
  reason: string,
) => { cell: AuditCell; outcome: AuditOutcome } | null;

/**
 * A transactional stage's reconciliation: its ledger, and how a message the runtime dead-letters by
 * itself (its handler kept failing, Kafka refused its output) is counted.
 */
export class StageAudit {
  constructor(
    readonly ledger: AuditLedger,
    private readonly deadLetterCount: DeadLetterCount,
  ) {}

  countDeadLetter(message: StageMessage, reason: string): void {
    const counted = this.deadLetterCount(message, reason);
    if (counted) this.ledger.count(message.partition, message.offset, counted.cell, counted.outcome);
  }
}
