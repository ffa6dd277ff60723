export {
  AUDIT_CELL_HEADER,
  type AuditEntry,
  type AuditOutcome,
  type AuditStage,
  auditCellHeader,
  auditEntryKey,
  auditEntryMessage,
  auditStages,
  counterName,
  latestAuditEntries,
  type OutputKind,
  parseAuditCellHeader,
  parseAuditEntry,
  splitCounterName,
} from './audit-entry.js';
export { AuditLedger, type AuditLedgerOptions, auditSettings } from './audit-ledger.js';
export { type DeadLetterCount, StageAudit } from './stage-audit.js';
