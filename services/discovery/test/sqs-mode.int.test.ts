import { PutBucketNotificationConfigurationCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { deadLetterContract } from '@trailstream/schemas';
import {
  collectFor,
  collectMessages,
  createTestBucket,
  createTestQueue,
  createTestTopics,
  eventually,
  readFixture,
  startServiceProcess,
  testKafka,
  testS3,
  testSqs,
  uniqueName,
} from '@trailstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeRefs, startTestDiscovery, type TestDiscovery } from './discovery-harness.js';

const kafka = testKafka();
const s3 = testS3();
const sqs = testSqs();
const running: TestDiscovery[] = [];

afterEach(async () => {
  await Promise.all(running.splice(0).map((discovery) => discovery.stop()));
});

async function start(env: Record<string, string>): Promise<TestDiscovery> {
  const discovery = await startTestDiscovery(env);
  running.push(discovery);
  return discovery;
}

async function queueDepth(url: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible)
  );
}

const logKey = (account: string, name: string) =>
  `AWSLogs/${account}/CloudTrail/eu-west-1/2024/01/15/${account}_CloudTrail_eu-west-1_20240115T1200Z_${name}.json.gz`;

function snsEnvelope(message: string): string {
  return JSON.stringify({
    Type: 'Notification',
    MessageId: '6f1c2f5e-1111-4c1e-9a49-2f0d1e5e8c10',
    TopicArn: 'arn:aws:sns:eu-west-1:111122223333:cloudtrail-topic',
    Message: message,
    Timestamp: '2024-01-15T12:00:00.000Z',
    SignatureVersion: '1',
  });
}

/** The S3 event of the real Datadog fixture, pointed at our bucket and a CloudTrail key (URL-encoded). */
function realS3EventFor(bucket: string, encodedKey: string): string {
  const lambdaEvent = JSON.parse(readFixture('notifications/datadog__sqs_s3.json').toString('utf8')) as {
    Records: { body: string }[];
  };
  const body = JSON.parse(lambdaEvent.Records[0]!.body) as {
    Records: { s3: { bucket: { name: string }; object: { key: string } } }[];
  };
  body.Records[0]!.s3.bucket.name = bucket;
  body.Records[0]!.s3.object.key = encodedKey;
  return JSON.stringify(body);
}

function realEventBridgeFor(bucket: string, key: string): string {
  const event = JSON.parse(
    readFixture('notifications/awsdocs_powertools__eventbridge_s3_object_created.json').toString('utf8'),
  ) as { detail: { bucket: { name: string }; object: { key: string } } };
  event.detail.bucket.name = bucket;
  event.detail.object.key = key;
  return JSON.stringify(event);
}

describe('SQS mode against the emulator and Kafka', () => {
  it('turns every notification shape into exactly the right references and dead-letters a poison message', async () => {
    const topics = await createTestTopics(kafka, {
      objects: { partitions: 3 },
      dlq: {},
      digests: { partitions: 2 },
    });
    const queue = await createTestQueue(sqs);
    const bucket = await createTestBucket(s3);

    // A real bucket notification: saving it sends s3:TestEvent, then every PutObject is announced.
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: bucket,
        NotificationConfiguration: {
          QueueConfigurations: [{ QueueArn: queue.arn, Events: ['s3:ObjectCreated:*'] }],
        },
      }),
    );
    const put = {
      spaced:
        'trails/my logs/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/15/111122223333_CloudTrail_eu-west-1_20240115T1200Z_a+b.json.gz',
      digest:
        'AWSLogs/111122223333/CloudTrail-Digest/eu-west-1/2024/01/15/111122223333_CloudTrail-Digest_eu-west-1_t_eu-west-1_20240115T120012Z.json.gz',
    };
    for (const key of Object.values(put)) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: '{"Records":[]}' }));
    }

    const expected = {
      s3Event: logKey('222233334444', 's3 event'),
      snsS3Event: logKey('222233334444', 'sns'),
      cloudTrailRaw: [logKey('333344445555', 'one'), logKey('333344445555', 'two')],
      cloudTrailSns: logKey('444455556666', 'wrapped'),
      eventBridge: logKey('555566667777', 'eventbridge'),
    };
    const bodies = [
      realS3EventFor(
        bucket,
        encodeURIComponent(expected.s3Event).replaceAll('%2F', '/').replaceAll('%20', '+'),
      ),
      snsEnvelope(realS3EventFor(bucket, expected.snsS3Event.replaceAll(' ', '+'))),
      JSON.stringify({ s3Bucket: bucket, s3ObjectKey: expected.cloudTrailRaw }),
      snsEnvelope(JSON.stringify({ s3Bucket: bucket, s3ObjectKey: [expected.cloudTrailSns] })),
      realEventBridgeFor(bucket, expected.eventBridge),
      snsEnvelope('CloudTrail validation message.'),
      '{"this is": "not a notification"}',
    ];
    for (const body of bodies)
      await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));

    const discovery = await start({
      SQS_QUEUE_URLS: queue.url,
      SQS_WAIT_TIME_SECONDS: '1',
      TOPIC_OBJECTS: topics.objects,
      TOPIC_DLQ: topics.dlq,
      TOPIC_DIGESTS: topics.digests,
      AWS_REGION: 'us-east-1',
    });

    const wanted = [
      put.spaced,
      expected.s3Event,
      expected.snsS3Event,
      ...expected.cloudTrailRaw,
      expected.cloudTrailSns,
      expected.eventBridge,
    ];
    const messages = await collectMessages(kafka, topics.objects, {
      until: (m) => m.length >= wanted.length,
    });
    await eventually(async () => (await queueDepth(queue.url)) === 0);
    const refs = decodeRefs([
      ...messages,
      ...(await collectFor(kafka, topics.objects, 1_000)).slice(messages.length),
    ]);
    // A standard queue is at least once, and moto's server can hand one message to both receivers:
    // a key may repeat only as often as SQS delivered a message more than once, never otherwise.
    const sent = bodies.length + 3;
    const received = await discovery.metric('trailstream_discovery_sqs_messages_received_total');
    const keys = refs.map((ref) => ref.key);
    expect([...new Set(keys)].sort()).toEqual([...wanted].sort());
    expect(keys.length - wanted.length).toBeLessThanOrEqual(received - sent);
    expect(new Set(refs.map((ref) => ref.bucket))).toEqual(new Set([bucket]));
    expect(refs.every((ref) => ref.foundBy === 'sqs')).toBe(true);
    expect(refs.find((ref) => ref.key === expected.cloudTrailSns)?.region).toBe('eu-west-1');
    expect(refs.find((ref) => ref.key === expected.cloudTrailRaw[0])?.region).toBe('us-east-1');
    expect(refs.find((ref) => ref.key === put.spaced)?.size).toBe(14);

    const [letter] = await collectMessages(kafka, topics.dlq, { until: (m) => m.length >= 1 });
    const deadLetter = deadLetterContract.decode(letter!.value!, letter!.headers);
    expect(deadLetter).toMatchObject({
      stage: 'discovery',
      reasonClass: 'unknown-notification',
      attempts: 1,
    });
    expect(deadLetter.originalValue?.toString()).toBe('{"this is": "not a notification"}');
    expect(await discovery.metric('trailstream_dead_letters_total', { stage: 'discovery' })).toBe(1);
    // The digest goes to the integrity stage, keyed by its account × region folder.
    const [digestRef] = await collectMessages(kafka, topics.digests, { until: (m) => m.length >= 1 });
    expect(digestRef!.key!.toString()).toBe('AWSLogs/111122223333/eu-west-1');
    expect(decodeRefs([digestRef!])[0]).toMatchObject({ bucket, key: put.digest, foundBy: 'sqs' });
    expect(await discovery.metric('trailstream_discovery_skipped_keys_total', { reason: 'digest' })).toBe(0);
    expect(
      await discovery.metric('trailstream_discovery_notifications_total', { shape: 's3-test-event' }),
    ).toBe(1);
    const deleted = await discovery.metric('trailstream_discovery_sqs_messages_deleted_total');
    expect(deleted).toBeGreaterThanOrEqual(sent);
    expect(deleted).toBeLessThanOrEqual(received);
  });

  it('deletes nothing while Kafka is unreachable, and delivers everything once it is back', async () => {
    const topics = await createTestTopics(kafka, { objects: {}, dlq: {} });
    const queue = await createTestQueue(sqs);
    const keys = ['one', 'two', 'three'].map((name) => logKey('111122223333', name));
    for (const key of keys) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: JSON.stringify({ s3Bucket: 'b', s3ObjectKey: [key] }),
        }),
      );
    }
    const settings = {
      SQS_QUEUE_URLS: queue.url,
      SQS_WAIT_TIME_SECONDS: '1',
      SQS_VISIBILITY_TIMEOUT_SECONDS: '5',
      TOPIC_OBJECTS: topics.objects,
      TOPIC_DLQ: topics.dlq,
    };

    // Port 9 (discard) has no Kafka behind it: the broker is as good as stopped.
    const withoutKafka = await start({ ...settings, KAFKA_BROKERS: '127.0.0.1:9' });
    await new Promise((resolve) => setTimeout(resolve, 8_000));
    expect(withoutKafka.isReady()).toBe(false);
    expect(await queueDepth(queue.url)).toBe(3);
    expect(await withoutKafka.metric('trailstream_discovery_sqs_messages_deleted_total')).toBe(0);
    await withoutKafka.stop();
    running.splice(running.indexOf(withoutKafka), 1);

    const withKafka = await start(settings);
    const messages = await collectMessages(kafka, topics.objects, { until: (m) => m.length >= 3 });
    expect(
      decodeRefs(messages)
        .map((ref) => ref.key)
        .sort(),
    ).toEqual([...keys].sort());
    await eventually(async () => (await queueDepth(queue.url)) === 0);
    await eventually(() => withKafka.isReady());
  });

  it('keeps messages that were received but not acknowledged by Kafka, and delivers them later', async () => {
    // The objects topic does not exist yet (auto-creation is off): every produce fails after retries.
    const missingTopic = uniqueName('t-objects-later');
    const { dlq } = await createTestTopics(kafka, { dlq: {} });
    const queue = await createTestQueue(sqs);
    const keys = ['one', 'two'].map((name) => logKey('111122223333', name));
    for (const key of keys) {
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: queue.url,
          MessageBody: JSON.stringify({ s3Bucket: 'b', s3ObjectKey: [key] }),
        }),
      );
    }
    const discovery = await start({
      SQS_QUEUE_URLS: queue.url,
      SQS_WAIT_TIME_SECONDS: '1',
      SQS_VISIBILITY_TIMEOUT_SECONDS: '5',
      TOPIC_OBJECTS: missingTopic,
      TOPIC_DLQ: dlq,
    });
    await eventually(
      async () => (await discovery.metric('trailstream_discovery_sqs_messages_received_total')) >= 2,
    );
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    expect(await discovery.metric('trailstream_discovery_sqs_messages_deleted_total')).toBe(0);
    expect(await queueDepth(queue.url)).toBe(2);

    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: missingTopic, numPartitions: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const messages = await collectMessages(kafka, missingTopic, {
      until: (m) => m.length >= 2,
      timeoutMs: 90_000,
    });
    expect(new Set(decodeRefs(messages).map((ref) => ref.key))).toEqual(new Set(keys));
    await eventually(async () => (await queueDepth(queue.url)) === 0, { timeoutMs: 60_000 });
  });

  it('keeps an unreadable message whose dead letter cannot be published visible in a metric and /readyz, until it can be', async () => {
    const { objects } = await createTestTopics(kafka, { objects: {} });
    // A dead-letter topic that refuses the message: its records may be at most 1 KB.
    const dlq = uniqueName('t-dlq-small');
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: dlq, numPartitions: 1, configEntries: [{ name: 'max.message.bytes', value: '1024' }] },
      ],
      waitForLeaders: true,
    });
    const queue = await createTestQueue(sqs);
    const body = JSON.stringify({ 'not a notification': 'x'.repeat(4_000) });
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: body }));
    const discovery = await start({
      SQS_QUEUE_URLS: queue.url,
      SQS_WAIT_TIME_SECONDS: '1',
      SQS_VISIBILITY_TIMEOUT_SECONDS: '3',
      SQS_DEAD_LETTER_ALERT_AGE_SECONDS: '2',
      TOPIC_OBJECTS: objects,
      TOPIC_DLQ: dlq,
    });
    // The message comes back after its visibility timeout and fails again: it loops, but visibly.
    await eventually(
      async () => (await discovery.metric('trailstream_discovery_dead_letter_publish_failures_total')) >= 2,
      { timeoutMs: 60_000 },
    );
    expect(await discovery.metric('trailstream_discovery_dead_letters_unpublished')).toBe(1);
    expect(
      await discovery.metric('trailstream_discovery_dead_letters_unpublished_oldest_age_seconds'),
    ).toBeGreaterThanOrEqual(2);
    expect(discovery.isReady()).toBe(false);
    expect(await queueDepth(queue.url)).toBe(1);

    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: dlq, configEntries: [{ name: 'max.message.bytes', value: '1048576' }] }],
    });
    await admin.disconnect();
    const [letter] = await collectMessages(kafka, dlq, { until: (m) => m.length >= 1, timeoutMs: 60_000 });
    expect(deadLetterContract.decode(letter!.value!, letter!.headers).originalValue?.toString()).toBe(body);
    await eventually(async () => (await queueDepth(queue.url)) === 0, { timeoutMs: 30_000 });
    expect(await discovery.metric('trailstream_discovery_dead_letters_unpublished')).toBe(0);
    expect(discovery.isReady()).toBe(true);
  });

  it('is not ready while a queue cannot be reached', async () => {
    const topics = await createTestTopics(kafka, { objects: {}, dlq: {} });
    const queue = await createTestQueue(sqs);
    const discovery = await start({
      SQS_QUEUE_URLS: `${queue.url}-does-not-exist`,
      SQS_WAIT_TIME_SECONDS: '1',
      TOPIC_OBJECTS: topics.objects,
      TOPIC_DLQ: topics.dlq,
    });
    await eventually(
      async () =>
        (await discovery.metric('trailstream_discovery_sqs_errors_total', { operation: 'receive' })) > 0,
    );
    expect(discovery.isReady()).toBe(false);
  });

  it('runs as a process: main.ts creates its topics, then wires Kafka, SQS and the health server', async () => {
    const topics = {
      objects: uniqueName('t-objects'),
      dlq: uniqueName('t-dlq'),
      checkpoints: uniqueName('t-checkpoints'),
    };
    const queue = await createTestQueue(sqs);
    const key = logKey('111122223333', 'process');
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: queue.url,
        MessageBody: JSON.stringify({ s3Bucket: 'b', s3ObjectKey: [key] }),
      }),
    );
    const service = startServiceProcess('discovery', {
      SQS_QUEUE_URLS: queue.url,
      SQS_WAIT_TIME_SECONDS: '1',
      TOPIC_OBJECTS: topics.objects,
      TOPIC_DLQ: topics.dlq,
      POLL_CHECKPOINT_TOPIC: topics.checkpoints,
      TOPIC_PARTITIONS: '3',
      POLL_CHECKPOINT_PARTITIONS: '2',
    });
    try {
      await service.waitForOutput(/discovery started/);
      const admin = kafka.admin();
      await admin.connect();
      const metadata = await admin.fetchTopicMetadata({ topics: Object.values(topics) });
      await admin.disconnect();
      expect(Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]))).toEqual({
        [topics.objects]: 3,
        [topics.dlq]: 1,
        [topics.checkpoints]: 2,
      });
      const [message] = await collectMessages(kafka, topics.objects, { until: (m) => m.length >= 1 });
      expect(decodeRefs([message!])[0]?.key).toBe(key);
    } finally {
      expect(await service.stop('SIGTERM')).toBe(0);
    }
  });

  it('starts as a process without Kafka when it is not to create topics, and is not ready', async () => {
    const queue = await createTestQueue(sqs);
    const service = startServiceProcess('discovery', {
      SQS_QUEUE_URLS: queue.url,
      SQS_WAIT_TIME_SECONDS: '1',
      KAFKA_BROKERS: '127.0.0.1:9',
      CREATE_TOPICS: 'false',
    });
    try {
      await service.waitForOutput(/discovery started/);
      const listening = await service.waitForOutput(/health and metrics server listening/);
      const { port } = JSON.parse(listening) as { port: number };
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(503);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    } finally {
      expect(await service.stop('SIGTERM')).toBe(0);
    }
  });
});
