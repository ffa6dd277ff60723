import { auditCellOf } from '@trailstream/cloudtrail';
import type { MappedRecord } from '@trailstream/mapping';
import {
  AUDIT_CELL_HEADER,
  type AuditLedger,
  auditCellHeader,
  type DeadLetterCount,
  type StageMessage,
} from '@trailstream/runtime';
import type { AuditCell } from '@trailstream/schemas';
import { type CloudTrailRecord, cloudTrailRecordContract, type RecordOrigin } from '@trailstream/schemas';
import type { Message } from 'kafkajs';

/** The rule named for a record no rule excluded that still has no output: no include rule matched (events mode). */
export const NO_INCLUDE_RULE = '(no include rule)';

/** Counts what filter-mapper made of one record, and tags its outputs with the record's cell for the emitter. */
export class RecordAudit {
  // Records of one file arrive together: its cell is parsed from the key once, not per record.
  #last: { bucket: string; key: string; cell: AuditCell; header: string } | null = null;

  constructor(private readonly ledger: AuditLedger) {}

  #cellOf(origin: RecordOrigin): { cell: AuditCell; header: string } {
    const last = this.#last;
    if (last && last.key === origin.key && last.bucket === origin.bucket) return last;
    const cell = auditCellOf(origin.bucket, origin.key);
    this.#last = { bucket: origin.bucket, key: origin.key, cell, header: auditCellHeader(cell) };
    return this.#last;
  }

  deadLettered(message: StageMessage, origin: RecordOrigin, reason: string): void {
    this.ledger.count(message.partition, message.offset, this.#cellOf(origin).cell, {
      outcome: 'dead-lettered',
      reason,
    });
  }

  /** Counts the record as dropped or forwarded, and returns its output messages carrying its cell. */
  mapped(
    message: StageMessage,
    record: CloudTrailRecord,
    mapped: MappedRecord,
    outputs: Message[],
  ): Message[] {
    const { cell, header } = this.#cellOf(record.origin);
    const count = this.ledger.count.bind(this.ledger, message.partition, message.offset, cell);
    if (mapped.outputs.length === 0) {
      count({
        outcome: 'dropped',
        rule: mapped.decision.kind === 'excluded' ? mapped.decision.rule.name : NO_INCLUDE_RULE,
      });
    }
    for (const item of mapped.outputs) count({ outcome: 'forwarded', output: item.kind });
    return outputs.map((output) => ({
      ...output,
      headers: { ...output.headers, [AUDIT_CELL_HEADER]: header },
    }));
  }
}

/** A record the runtime dead-letters by itself counts as dead-lettered; a message that does not decode as none. */
export const recordDeadLetterCount: DeadLetterCount = (message, reason) => {
  if (message.value === null) return null;
  try {
    const { origin } = cloudTrailRecordContract.decode(message.value, message.headers);
    return { cell: auditCellOf(origin.bucket, origin.key), outcome: { outcome: 'dead-lettered', reason } };
  } catch {
    return null;
  }
};
