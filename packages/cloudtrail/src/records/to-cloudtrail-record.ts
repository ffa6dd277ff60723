import type { CloudTrailRecord, RecordOrigin } from '@trailstream/schemas';
import { CloudTrailRecordError } from './object-errors.js';

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const stringOrNull = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * Builds the record message from one record's JSON text and where it was read. The text is kept as
 * written; it is parsed only to read the routing fields. Insight records carry their event source and
 * name under `insightDetails`.
 */
export function toCloudTrailRecord(json: string, origin: RecordOrigin): CloudTrailRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new CloudTrailRecordError('record-not-json', `record ${origin.index}: ${(error as Error).message}`);
  }
  if (!isObject(parsed))
    throw new CloudTrailRecordError('record-not-json', `record ${origin.index} is not an object`);
  const insight = isObject(parsed.insightDetails) ? parsed.insightDetails : {};
  const identity = isObject(parsed.userIdentity) ? parsed.userIdentity : {};
  const required = (name: string, value: unknown): string => {
    if (typeof value === 'string' && value !== '') return value;
    throw new CloudTrailRecordError('invalid-record', `record ${origin.index} has no ${name}`);
  };
  return {
    eventID: required('eventID', parsed.eventID),
    eventTime: required('eventTime', parsed.eventTime),
    eventSource: required('eventSource', parsed.eventSource ?? insight.eventSource),
    eventName: required('eventName', parsed.eventName ?? insight.eventName),
    awsRegion: required('awsRegion', parsed.awsRegion),
    recipientAccountId: stringOrNull(parsed.recipientAccountId),
    readOnly: typeof parsed.readOnly === 'boolean' ? parsed.readOnly : null,
    errorCode: stringOrNull(parsed.errorCode),
    identityType: stringOrNull(identity.type),
    principal:
      stringOrNull(identity.arn) ?? stringOrNull(identity.principalId) ?? stringOrNull(identity.invokedBy),
    sourceIPAddress: stringOrNull(parsed.sourceIPAddress),
    json,
    origin,
  };
}
