export {
  type BodyLimits,
  DEFAULT_MAX_INFLATED_BYTES,
  decodeObjectBody,
  isGzip,
} from './decode-object-body.js';
export { CloudTrailObjectError, type ObjectReason } from './object-errors.js';
export {
  DEFAULT_MAX_RECORD_BYTES,
  defaultObjectLimits,
  type ObjectLimits,
  type RecordText,
  readObjectRecords,
} from './read-object-records.js';
export { RecordsScanner, type ScannerLimits } from './records-scanner.js';
export { toCloudTrailRecord } from './to-cloudtrail-record.js';
