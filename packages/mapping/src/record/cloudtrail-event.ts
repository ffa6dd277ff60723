import { MappingError } from '../mapping-error.js';

/** A CloudTrail record as parsed from its JSON: an object whose fields are read defensively. */
export type CloudTrailEvent = { readonly [field: string]: unknown };

const invalidRecord = (message: string) => new MappingError('invalid-record', message);

function isObject(value: unknown): value is CloudTrailEvent {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function parseCloudTrailEvent(json: string): CloudTrailEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw invalidRecord(`record is not JSON: ${(error as Error).message}`);
  }
  if (!isObject(parsed)) throw invalidRecord('record is not a JSON object');
  return parsed;
}

/**
 * The value at a dotted path (`userIdentity.sessionContext.sessionIssuer.userName`), or undefined.
 * Only the record's own fields count: `requestParameters.toString` is absent, not a function.
 */
export function readPath(event: CloudTrailEvent, path: string | readonly string[]): unknown {
  const segments = typeof path === 'string' ? path.split('.') : path;
  let current: unknown = event;
  for (const segment of segments) {
    if (!isObject(current) || !Object.hasOwn(current, segment)) return undefined;
    current = current[segment];
  }
  return current;
}

/** The string at a path; numbers are rendered as text (some exports write account ids as numbers). */
export function readText(event: CloudTrailEvent, path: string): string | null {
  const value = readPath(event, path);
  if (typeof value === 'string') return value === '' ? null : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export function readObject(event: CloudTrailEvent, path: string): CloudTrailEvent | null {
  const value = readPath(event, path);
  return isObject(value) ? value : null;
}

// ISO-8601 as CloudTrail writes it, and the "YYYY-MM-DD hh:mm:ss" some exporters rewrite it to.
const eventTimePattern =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/;

/** eventTime as epoch seconds; a time without a zone is UTC, as CloudTrail's always is. */
export function eventTimeSeconds(eventTime: string): number {
  const match = eventTimePattern.exec(eventTime.trim());
  if (match === null) throw invalidRecord(`eventTime ${JSON.stringify(eventTime)} is not a date`);
  const [, year, month, day, hour, minute, second, , zone] = match;
  const zoneText = zone === undefined || zone === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const millis = Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${second}${zoneText}`);
  if (Number.isNaN(millis)) throw invalidRecord(`eventTime ${JSON.stringify(eventTime)} is not a date`);
  return Math.floor(millis / 1000);
}

/** The fields every mapped record must have; Insights carry source and name in insightDetails. */
export interface EventEssentials {
  eventID: string;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string | null;
  accountId: string | null;
  errorCode: string | null;
  isInsight: boolean;
}

export function readEssentials(event: CloudTrailEvent): EventEssentials {
  const isInsight =
    readText(event, 'eventCategory') === 'Insight' || readObject(event, 'insightDetails') !== null;
  const eventID = readText(event, 'eventID');
  const eventTime = readText(event, 'eventTime');
  const eventSource = readText(event, 'eventSource') ?? readText(event, 'insightDetails.eventSource');
  const eventName = readText(event, 'eventName') ?? readText(event, 'insightDetails.eventName');
  const missing = [
    eventID === null && 'eventID',
    eventTime === null && 'eventTime',
    eventSource === null && 'eventSource',
    eventName === null && 'eventName',
  ].filter((name) => name !== false);
  if (eventID === null || eventTime === null || eventSource === null || eventName === null) {
    throw invalidRecord(`record has no ${missing.join(', ')}`);
  }
  return {
    eventID,
    eventTime,
    eventSource,
    eventName,
    awsRegion: readText(event, 'awsRegion'),
    accountId: readText(event, 'recipientAccountId') ?? readText(event, 'userIdentity.accountId'),
    errorCode: readText(event, 'errorCode'),
    isInsight,
  };
}
