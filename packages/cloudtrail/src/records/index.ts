export {
  type BodyLimits,
  DEFAULT_MAX_INFLATED_BYTES,
  decodeObjectBody,
  isGzip,
} from './decode-object-body.js';
export {
  CloudTrailObjectError,
  CloudTrailRecordError,
  type ObjectReason,
  type RecordReason,
} from './object-errors.js';
export {
  DEFAULT_MAX_RECORD_BYTES,
  defaultObjectLimits,
  type ObjectLimits,
  type ObjectSource,
  type RecordFailure,
  type RecordText,
  readCloudTrailRecords,
  readObjectRecords,
} from './read-object-records.js';
export {
  DEFAULT_MAX_RECORD_DEPTH,
  RecordsScanner,
  type ScannerLimits,
  type SkippedRecord,
} from './records-scanner.js';
export { toCloudTrailRecord } from './to-cloudtrail-record.js';
