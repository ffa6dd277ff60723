import { logLimits } from '@trailstream/datadog';
import type { DatadogLog } from '@trailstream/schemas';
import { MappingError } from '../mapping-error.js';
import type { RecordFacts } from '../record/record-facts.js';
import { recordTags } from './event-tags.js';

export const logSource = 'cloudtrail';

/**
 * A cheap upper bound of the entry's JSON size: JSON text holds no raw control characters, so
 * escaping it again at most doubles it (each `"` or `\\` gains a backslash).
 */
function entryBytesAtMost(log: DatadogLog): number {
  const fields = log.ddsource.length + log.service.length + log.ddtags.length + (log.hostname?.length ?? 0);
  return 2 * Buffer.byteLength(log.message) + 4 * fields + 128;
}

/**
 * The record, untouched, as a log entry. CloudTrail caps a record at 256 KB, so an entry over
 * Datadog's 1 MB limit means something upstream is wrong: it is refused rather than cut.
 */
export function mapToLog(
  facts: RecordFacts,
  json: string,
  service: string,
  ruleTags: readonly string[],
): DatadogLog {
  const log: DatadogLog = {
    message: json,
    ddsource: logSource,
    service,
    ddtags: recordTags(facts, ruleTags).join(','),
    hostname: facts.host,
  };
  if (entryBytesAtMost(log) <= logLimits.entryBytes) return log;
  const bytes = Buffer.byteLength(JSON.stringify(log));
  if (bytes > logLimits.entryBytes) {
    throw new MappingError(
      'log-too-large',
      `log entry is ${bytes} bytes, over Datadog's ${logLimits.entryBytes}`,
    );
  }
  return log;
}
