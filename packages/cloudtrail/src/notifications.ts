/** Which kind of notification announced an object; kept for metrics and logs. */
export type NotificationShape =
  | 's3-event'
  | 'sns-s3-event'
  | 'cloudtrail-sns'
  | 'sns-cloudtrail-sns'
  | 'eventbridge';

/** An S3 object a notification says was written. Keys are decoded, ready for GetObject. */
export interface NotifiedObject {
  bucket: string;
  key: string;
  /** The bucket's region when the notification says it. */
  region: string | null;
  size: number | null;
  etag: string | null;
  sequencer: string | null;
  /** The object's version in a versioned bucket, when the notification says it. */
  versionId: string | null;
}

export type ParsedNotification =
  | { type: 'objects'; shape: NotificationShape; objects: NotifiedObject[]; ignoredEvents: number }
  /** Nothing to produce, and the message can be deleted: tests and validation pings. */
  | { type: 'acknowledge'; shape: 's3-test-event' | 'cloudtrail-validation' }
  | { type: 'invalid'; reasonClass: NotificationErrorClass; reason: string };

export type NotificationErrorClass = 'not-json' | 'unknown-notification' | 'malformed-notification';

type Json = Record<string, unknown>;

const CLOUDTRAIL_VALIDATION = 'CloudTrail validation message.';

/** Parses an SQS message body into the objects it announces, an acknowledgement, or why it is invalid. */
export function parseNotification(body: string): ParsedNotification {
  if (body.trim() === CLOUDTRAIL_VALIDATION) return { type: 'acknowledge', shape: 'cloudtrail-validation' };
  const json = parseJsonObject(body);
  if (!json) return invalid('not-json', 'the message body is not a JSON object');
  if (json.Type === 'Notification' && typeof json.Message === 'string') {
    return parseSnsMessage(json.Message, regionOfArn(json.TopicArn));
  }
  return parseUnwrapped(json, null);
}

function parseSnsMessage(message: string, topicRegion: string | null): ParsedNotification {
  if (message.trim() === CLOUDTRAIL_VALIDATION)
    return { type: 'acknowledge', shape: 'cloudtrail-validation' };
  const json = parseJsonObject(message);
  if (!json) return invalid('not-json', 'the SNS Message is not a JSON object');
  const parsed = parseUnwrapped(json, topicRegion);
  if (parsed.type !== 'objects') return parsed;
  return { ...parsed, shape: parsed.shape === 's3-event' ? 'sns-s3-event' : 'sns-cloudtrail-sns' };
}

function parseUnwrapped(json: Json, topicRegion: string | null): ParsedNotification {
  if (json.Event === 's3:TestEvent') return { type: 'acknowledge', shape: 's3-test-event' };
  if (Array.isArray(json.Records)) return parseS3Event(json.Records);
  if ('s3Bucket' in json || 's3ObjectKey' in json) return parseCloudTrailSns(json, topicRegion);
  if (json.source === 'aws.s3' && typeof json['detail-type'] === 'string') return parseEventBridge(json);
  return invalid('unknown-notification', `no known notification shape has the fields ${describeKeys(json)}`);
}

function parseS3Event(records: unknown[]): ParsedNotification {
  const objects: NotifiedObject[] = [];
  let ignoredEvents = 0;
  for (const [index, record] of records.entries()) {
    if (!isObject(record) || typeof record.eventName !== 'string') {
      return invalid('malformed-notification', `Records[${index}] has no eventName`);
    }
    if (!record.eventName.startsWith('ObjectCreated:')) {
      ignoredEvents += 1;
      continue;
    }
    const s3 = record.s3;
    const bucket = isObject(s3) && isObject(s3.bucket) ? s3.bucket.name : undefined;
    const object = isObject(s3) && isObject(s3.object) ? s3.object : undefined;
    if (typeof bucket !== 'string' || !object || typeof object.key !== 'string') {
      return invalid('malformed-notification', `Records[${index}].s3 has no bucket name or object key`);
    }
    const key = decodeS3EventKey(object.key);
    if (key === null) {
      return invalid('malformed-notification', `Records[${index}].s3.object.key is not valid URL encoding`);
    }
    objects.push({
      bucket,
      key,
      region: optionalString(record.awsRegion),
      size: optionalNumber(object.size),
      etag: optionalString(object.eTag),
      sequencer: optionalString(object.sequencer),
      versionId: optionalString(object.versionId),
    });
  }
  return { type: 'objects', shape: 's3-event', objects, ignoredEvents };
}

/** S3 event notifications URL-encode keys the way HTML forms do: `+` is a space. */
export function decodeS3EventKey(encoded: string): string | null {
  try {
    return decodeURIComponent(encoded.replaceAll('+', ' '));
  } catch {
    return null;
  }
}

// CloudTrail's own notification names every file it delivered; keys are plain, not URL-encoded.
function parseCloudTrailSns(json: Json, topicRegion: string | null): ParsedNotification {
  const keys = json.s3ObjectKey;
  if (
    typeof json.s3Bucket !== 'string' ||
    !Array.isArray(keys) ||
    !keys.every((key) => typeof key === 'string')
  ) {
    return invalid(
      'malformed-notification',
      'a CloudTrail notification needs s3Bucket and an s3ObjectKey list',
    );
  }
  const bucket = json.s3Bucket;
  const objects = keys.map((key: string) => ({
    bucket,
    key,
    region: topicRegion,
    size: null,
    etag: null,
    sequencer: null,
    versionId: null,
  }));
  return { type: 'objects', shape: 'cloudtrail-sns', objects, ignoredEvents: 0 };
}

// EventBridge carries the key as written, without URL encoding.
function parseEventBridge(json: Json): ParsedNotification {
  if (json['detail-type'] !== 'Object Created') {
    return { type: 'objects', shape: 'eventbridge', objects: [], ignoredEvents: 1 };
  }
  const detail = json.detail;
  const bucket = isObject(detail) && isObject(detail.bucket) ? detail.bucket.name : undefined;
  const object = isObject(detail) && isObject(detail.object) ? detail.object : undefined;
  if (typeof bucket !== 'string' || !object || typeof object.key !== 'string') {
    return invalid(
      'malformed-notification',
      'an EventBridge Object Created event needs detail.bucket.name and detail.object.key',
    );
  }
  const notified: NotifiedObject = {
    bucket,
    key: object.key,
    region: optionalString(json.region),
    size: optionalNumber(object.size),
    etag: optionalString(object.etag),
    sequencer: optionalString(object.sequencer),
    versionId: optionalString(object['version-id']),
  };
  return { type: 'objects', shape: 'eventbridge', objects: [notified], ignoredEvents: 0 };
}

function parseJsonObject(text: string): Json | null {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : null;
  } catch {
    return null;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

function optionalNumber(value: unknown): number | null {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

/** `arn:aws:sns:<region>:<account>:<topic>` → region. */
function regionOfArn(arn: unknown): string | null {
  return typeof arn === 'string' ? optionalString(arn.split(':')[3]) : null;
}

function describeKeys(json: Json): string {
  const keys = Object.keys(json).slice(0, 10);
  return keys.length === 0 ? '(none)' : keys.join(', ');
}

function invalid(reasonClass: NotificationErrorClass, reason: string): ParsedNotification {
  return { type: 'invalid', reasonClass, reason };
}
