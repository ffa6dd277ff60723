import type { AuditCell } from '@trailstream/schemas';
import { digestRefKey } from './integrity/digest-file.js';
import { parseCloudTrailKey } from './key-layout.js';

const HOUR_MS = 3_600_000;

/**
 * The cell of every record of one log file. The hour is the file's delivery hour from its key, not the
 * record's eventTime: it is known for every record, also one that does not parse, all records of a file
 * share it (so a file is counted in one row), and it is the hour digests and `trailstream verify` speak of.
 * A log file's key does not name its trail: trails that share a bucket, prefix, account and region share
 * one stream. A key outside CloudTrail's layout counts under `s3://<bucket>/?` at hour 0.
 */
export function auditCellOf(bucket: string, key: string): AuditCell {
  const parsed = parseCloudTrailKey(key);
  if (!parsed) return { stream: `s3://${bucket}/?`, hour: 0 };
  const delivered = parsed.deliveredAt ?? Date.UTC(parsed.day.year, parsed.day.month - 1, parsed.day.day);
  return {
    stream: `s3://${bucket}/${digestRefKey(parsed)}`,
    hour: Math.floor(delivered / HOUR_MS) * HOUR_MS,
  };
}
