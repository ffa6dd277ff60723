export type { AuditCell } from './audit-cell.js';
export { type CloudTrailRecord, cloudTrailRecordContract, type RecordOrigin } from './cloudtrail-record.js';
export {
  type Contract,
  ContractError,
  type EncodedMessage,
  headerText,
  type MessageHeaders,
  SCHEMA_HEADER,
  SCHEMA_VERSION_HEADER,
} from './contract.js';
export {
  type AlertType,
  type DatadogEvent,
  type DatadogLog,
  type DatadogOutput,
  datadogOutputContract,
  type EventPriority,
} from './datadog-output.js';
export {
  type DeadLetter,
  type DeadLetterHeader,
  type DeadLetterRecordOrigin,
  deadLetterContract,
  type Stage,
} from './dead-letter.js';
export { type LogFileHash, logFileHashContract, logFileHashMessage } from './log-file-hash.js';
export {
  BYPASS_DEDUPE_HEADER,
  bypassesDedupe,
  bypassingDedupe,
  type FoundBy,
  type ObjectRef,
  objectRefContract,
  objectRefKey,
  objectRefMessage,
} from './object-ref.js';
