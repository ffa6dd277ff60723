import { readFixture as readFixtureBytes } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { decodeS3EventKey, parseNotification } from './notifications.js';

const readFixture = (path: string) => readFixtureBytes(path).toString('utf8');

/** The fixtures are Lambda SQS events; the SQS message body is what discovery receives. */
function sqsBodyOfLambdaEvent(path: string): string {
  const event = JSON.parse(readFixture(path)) as { Records: { body: string }[] };
  return event.Records[0]!.body;
}

const LOG_KEY =
  'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/15/111122223333_CloudTrail_eu-west-1_20240115T1200Z_a.json.gz';

function s3Event(encodedKey: string, eventName = 'ObjectCreated:Put') {
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-west-1',
        eventName,
        s3: {
          bucket: { name: 'trail-bucket' },
          object: { key: encodedKey, size: 42, eTag: 'abc', sequencer: '0055AED6DCD90281E5' },
        },
      },
    ],
  };
}

function snsEnvelope(message: string) {
  return {
    Type: 'Notification',
    MessageId: 'f5e1c3a2-0000-4000-8000-000000000000',
    TopicArn: 'arn:aws:sns:eu-west-1:111122223333:cloudtrail-topic',
    Message: message,
    Timestamp: '2024-01-15T12:00:00.000Z',
    SignatureVersion: '1',
  };
}

describe('parseNotification with real examples', () => {
  const myKey = { bucket: 'my-bucket', key: 'my-key.log', region: 'us-east-1', size: 1234 };

  it.each([
    ['notifications/datadog__sqs_s3.json', 's3-event'],
    ['cloudtrail/datadog-serverless-functions/tests__events__sqs_s3.json', 's3-event'],
    ['notifications/datadog__sqs_sns_s3.json', 'sns-s3-event'],
    ['cloudtrail/datadog-serverless-functions/tests__events__sqs_sns_s3.json', 'sns-s3-event'],
  ])('reads %s', (path, shape) => {
    expect(parseNotification(sqsBodyOfLambdaEvent(path))).toEqual({
      type: 'objects',
      shape,
      objects: [{ ...myKey, etag: null, sequencer: null, versionId: null }],
      ignoredEvents: 0,
    });
  });

  it('reads an EventBridge Object Created event', () => {
    expect(
      parseNotification(readFixture('notifications/awsdocs_powertools__eventbridge_s3_object_created.json')),
    ).toEqual({
      type: 'objects',
      shape: 'eventbridge',
      objects: [
        {
          bucket: 'example-bucket',
          key: 'IMG_m7fzo3.jpg',
          region: 'eu-west-1',
          size: 184662,
          etag: '4e68adba0abe2dc8653dc3354e14c01d',
          sequencer: '006408CAD69598B05E',
          versionId: null,
        },
      ],
      ignoredEvents: 0,
    });
  });
});

describe('parseNotification with built examples', () => {
  it('URL-decodes S3 event keys, with + as a space', () => {
    const parsed = parseNotification(
      JSON.stringify(s3Event('trails/my+logs/%C3%A9t%C3%A9%2B1/AWSLogs/x.json.gz')),
    );
    expect(parsed.type === 'objects' && parsed.objects[0]!.key).toBe(
      'trails/my logs/été+1/AWSLogs/x.json.gz',
    );
  });

  it('reads an S3 event delivered through SNS without raw delivery', () => {
    const body = JSON.stringify(snsEnvelope(JSON.stringify(s3Event(LOG_KEY))));
    expect(parseNotification(body)).toEqual({
      type: 'objects',
      shape: 'sns-s3-event',
      objects: [
        {
          bucket: 'trail-bucket',
          key: LOG_KEY,
          region: 'eu-west-1',
          size: 42,
          etag: 'abc',
          sequencer: '0055AED6DCD90281E5',
          versionId: null,
        },
      ],
      ignoredEvents: 0,
    });
  });

  it('carries the version id of an object written to a versioned bucket', () => {
    const event = s3Event(LOG_KEY);
    const object = event.Records[0]!.s3.object as Record<string, unknown>;
    object.versionId = '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY';
    const parsed = parseNotification(JSON.stringify(event));
    expect(parsed.type === 'objects' && parsed.objects[0]!.versionId).toBe(
      '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
    );

    const eventBridge = JSON.parse(
      readFixture('notifications/awsdocs_powertools__eventbridge_s3_object_created.json'),
    ) as { detail: { object: Record<string, unknown> } };
    eventBridge.detail.object['version-id'] = 'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e';
    const fromEventBridge = parseNotification(JSON.stringify(eventBridge));
    expect(fromEventBridge.type === 'objects' && fromEventBridge.objects[0]!.versionId).toBe(
      'IYV3p45BT0ac8hjHg1houSdS1a.Mro8e',
    );
  });

  it('counts events that do not create objects and produces nothing for them', () => {
    const parsed = parseNotification(JSON.stringify(s3Event(LOG_KEY, 'ObjectRemoved:Delete')));
    expect(parsed).toEqual({ type: 'objects', shape: 's3-event', objects: [], ignoredEvents: 1 });
  });

  const cloudTrailMessage = JSON.stringify({
    s3Bucket: 'trail-bucket',
    s3ObjectKey: [LOG_KEY, 'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/15/with space+plus.json.gz'],
  });

  it("reads CloudTrail's own notification through SNS, keys taken as written, region from the topic", () => {
    expect(parseNotification(JSON.stringify(snsEnvelope(cloudTrailMessage)))).toEqual({
      type: 'objects',
      shape: 'sns-cloudtrail-sns',
      objects: [
        {
          bucket: 'trail-bucket',
          key: LOG_KEY,
          region: 'eu-west-1',
          size: null,
          etag: null,
          sequencer: null,
          versionId: null,
        },
        {
          bucket: 'trail-bucket',
          key: 'AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/15/with space+plus.json.gz',
          region: 'eu-west-1',
          size: null,
          etag: null,
          sequencer: null,
          versionId: null,
        },
      ],
      ignoredEvents: 0,
    });
  });

  it("reads CloudTrail's own notification delivered raw", () => {
    const parsed = parseNotification(cloudTrailMessage);
    expect(parsed.type === 'objects' && parsed.shape).toBe('cloudtrail-sns');
    expect(parsed.type === 'objects' && parsed.objects.map((object) => object.region)).toEqual([null, null]);
  });

  it('acknowledges s3:TestEvent and the CloudTrail validation message, raw or through SNS', () => {
    const testEvent = JSON.stringify({
      Service: 'Amazon S3',
      Event: 's3:TestEvent',
      Time: '2024-01-15T12:00:00.000Z',
      Bucket: 'trail-bucket',
      RequestId: 'R',
      HostId: 'H',
    });
    expect(parseNotification(testEvent)).toEqual({ type: 'acknowledge', shape: 's3-test-event' });
    expect(parseNotification(JSON.stringify(snsEnvelope(testEvent)))).toEqual({
      type: 'acknowledge',
      shape: 's3-test-event',
    });
    expect(parseNotification('CloudTrail validation message.')).toEqual({
      type: 'acknowledge',
      shape: 'cloudtrail-validation',
    });
    expect(parseNotification(JSON.stringify(snsEnvelope('CloudTrail validation message.')))).toEqual({
      type: 'acknowledge',
      shape: 'cloudtrail-validation',
    });
  });

  it('ignores EventBridge events other than Object Created', () => {
    const deleted = { source: 'aws.s3', 'detail-type': 'Object Deleted', detail: {} };
    expect(parseNotification(JSON.stringify(deleted))).toEqual({
      type: 'objects',
      shape: 'eventbridge',
      objects: [],
      ignoredEvents: 1,
    });
  });
});

describe('parseNotification with bad input', () => {
  it.each([
    ['text', 'hello', 'not-json'],
    ['a JSON array', '[1,2]', 'not-json'],
    ['an unknown object', '{"foo":1}', 'unknown-notification'],
    ['an SNS message that is not JSON', JSON.stringify(snsEnvelope('hello')), 'not-json'],
    [
      'an S3 record without a key',
      '{"Records":[{"eventName":"ObjectCreated:Put","s3":{"bucket":{"name":"b"}}}]}',
      'malformed-notification',
    ],
    ['an S3 record without an event name', '{"Records":[{}]}', 'malformed-notification'],
    ['a key with broken URL encoding', JSON.stringify(s3Event('bad%E0%A4%A.json')), 'malformed-notification'],
    [
      'a CloudTrail notification with a non-list key',
      '{"s3Bucket":"b","s3ObjectKey":"k"}',
      'malformed-notification',
    ],
    [
      'an EventBridge event without an object',
      '{"source":"aws.s3","detail-type":"Object Created","detail":{}}',
      'malformed-notification',
    ],
  ])('rejects %s', (_what, body, reasonClass) => {
    const parsed = parseNotification(body);
    expect(parsed).toMatchObject({ type: 'invalid', reasonClass });
    expect(parsed.type === 'invalid' && parsed.reason.length).toBeGreaterThan(10);
  });

  it('leaves plain keys alone when decoding', () => {
    expect(decodeS3EventKey(LOG_KEY)).toBe(LOG_KEY);
  });
});
