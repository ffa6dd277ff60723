import { logLimits } from '@trailstream/datadog';
import type { DatadogLog } from '@trailstream/schemas';
import { MappingError } from '../mapping-error.js';
import type { RecordFacts } from '../record/record-facts.js';
import { recordTags } from './event-tags.js';
import {
  extentBounds,
  fitRecordToLimits,
  jsonStringAttributesKey,
  logAttributeLimits,
  marksField,
  recordExtent,
} from './log-attributes.js';

export const logSource = 'cloudtrail';
export const logSourceCategory = 'aws';

/** The S3 object a record was read from: the Forwarder's `aws.s3.bucket` and `aws.s3.key`. */
export interface LogLocation {
  bucket: string;
  key: string;
}

/** Attributes the Forwarder's shape sets beside the record's own, and those senders add (ddtags, timestamp). */
const shapeFields = [
  'aws',
  'ddsource',
  'ddsourcecategory',
  'service',
  'host',
  'ddtags',
  'timestamp',
  marksField,
] as const;

/** Where a record's own field that the shape would overwrite is kept (CloudTrail writes none of them). */
export const shadowedFieldsKey = 'shadowed_fields';

/** ddtags and the timestamp of a re-dated late log, which senders add. */
const sentLaterAttributes = 2;

/** The Forwarder's attributes, as JSON members to append to the record's object. */
function shapeMembers(location: LogLocation | null, service: string, host: string | null): string {
  const s3 =
    location === null
      ? ''
      : `"aws":{"s3":{"bucket":${JSON.stringify(location.bucket)},"key":${JSON.stringify(location.key)}}},`;
  const hostMember = host === null ? '' : `,"host":${JSON.stringify(host)}`;
  return `${s3}"ddsource":"${logSource}","ddsourcecategory":"${logSourceCategory}","service":${JSON.stringify(service)}${hostMember}`;
}

/** Appends members to a JSON object's text: `{"a":1}` + `"b":2` is `{"a":1,"b":2}`. */
export function appendMembers(objectJson: string, members: string): string {
  const body = objectJson.trimEnd();
  const open = body.slice(0, -1).trimEnd();
  return `${open}${open.endsWith('{') ? '' : ','}${members}}`;
}

/**
 * The record as the Datadog Forwarder sends it: a structured log whose attributes are the record's own
 * fields, unchanged, with `aws.s3.{bucket,key}`, `ddsource`, `ddsourcecategory`, `service` and, for an
 * EC2 instance session, `host`. The usual record is the record's JSON text with those members appended
 * (parsed once, for the rules, never serialised again). A record over Datadog's attribute or nesting
 * limit is kept whole, its deep or largest parts as JSON strings listed in `trailstream.json_string_attributes`;
 * a field of its own that the shape would overwrite moves to `trailstream.shadowed_fields`.
 * An entry over Datadog's 1 MB (CloudTrail caps a record at 256 KB) means something upstream is wrong:
 * it is refused rather than cut.
 */
export function mapToLog(
  facts: RecordFacts,
  json: string,
  location: LogLocation | null,
  service: string,
  ruleTags: readonly string[],
): DatadogLog {
  const { event, host } = facts;
  const ddtags = recordTags(facts, ruleTags).join(',');
  const added = (location === null ? 0 : 2) + 3 + (host === null ? 0 : 1) + sentLaterAttributes;
  const within = ({ depth, attributes }: { depth: number; attributes: number }) =>
    depth <= logAttributeLimits.depth && attributes + added <= logAttributeLimits.attributes;
  const fits = within(extentBounds(event)) || within(recordExtent(event));
  const collides = shapeFields.some((field) => Object.hasOwn(event, field));

  let attributes: string;
  if (fits && !collides) {
    attributes = appendMembers(json, shapeMembers(location, service, host));
  } else {
    const { record, jsonStringPaths } = fits
      ? { record: { ...event }, jsonStringPaths: [] }
      : fitRecordToLimits(event, added);
    // As the Forwarder merges: the record's own `aws` object keeps its other members.
    const ownAws = record.aws;
    const aws = typeof ownAws === 'object' && ownAws !== null && !Array.isArray(ownAws) ? ownAws : null;
    // Any other field of the record the shape would overwrite moves aside, so nothing is lost.
    const shadowed: Record<string, unknown> = {};
    for (const field of shapeFields) {
      if (!Object.hasOwn(record, field) || (field === 'aws' && aws !== null)) continue;
      shadowed[field] = record[field];
      delete record[field];
    }
    const marks = {
      ...(jsonStringPaths.length === 0 ? {} : { [jsonStringAttributesKey]: jsonStringPaths }),
      ...(Object.keys(shadowed).length === 0 ? {} : { [shadowedFieldsKey]: shadowed }),
    };
    const shaped = {
      ...record,
      ...(location === null ? {} : { aws: { ...aws, s3: location } }),
      ddsource: logSource,
      ddsourcecategory: logSourceCategory,
      service,
      ...(host === null ? {} : { host }),
      ...(Object.keys(marks).length === 0 ? {} : { [marksField]: marks }),
    };
    attributes = JSON.stringify(shaped);
  }

  const log: DatadogLog = { attributes, ddtags };
  // UTF-8 takes at most 3 bytes per UTF-16 unit: most entries are far below the limit without measuring.
  const members = `,"ddtags":,"timestamp":0000000000000`.length + 2;
  if (3 * (attributes.length + ddtags.length) + members <= logLimits.entryBytes) return log;
  const bytes = Buffer.byteLength(attributes) + Buffer.byteLength(JSON.stringify(ddtags)) + members;
  if (bytes > logLimits.entryBytes) {
    throw new MappingError(
      'log-too-large',
      `log entry is ${bytes} bytes, over Datadog's ${logLimits.entryBytes}`,
    );
  }
  return log;
}
