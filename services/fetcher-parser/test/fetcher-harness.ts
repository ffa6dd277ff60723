import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  type CloudTrailRecord,
  cloudTrailRecordContract,
  type DeadLetter,
  deadLetterContract,
  type ObjectRef,
  objectRefContract,
  objectRefKey,
} from '@trailstream/schemas';
import {
  type CollectedMessage,
  collectMessages,
  createTestBucket,
  createTestTopics,
  type ServiceProcess,
  startServiceProcess,
  testKafka,
  testS3,
  uniqueName,
} from '@trailstream/testkit';
import type { IHeaders, Kafka, Producer } from 'kafkajs';

export interface FetcherRig {
  kafka: Kafka;
  s3: S3Client;
  bucket: string;
  topics: { objects: string; records: string; dlq: string; seen: string; hashes: string };
  /** Environment for a fetcher-parser process wired to this rig's topics. */
  env: Record<string, string>;
  producer: Producer;
  close(): Promise<void>;
}

/** Unique topics, bucket, consumer group and transactional ids: one isolated pipeline per test file. */
export async function createFetcherRig(settings: Record<string, string> = {}): Promise<FetcherRig> {
  const kafka = testKafka();
  const topics = await createTestTopics(kafka, {
    objects: { partitions: 2 },
    records: { partitions: 1 },
    dlq: { partitions: 1 },
    seen: { partitions: 2, compacted: true },
    hashes: { partitions: 1, compacted: true },
  });
  const s3 = testS3();
  const bucket = await createTestBucket(s3, 'fetcher');
  const producer = kafka.producer();
  await producer.connect();
  return {
    kafka,
    s3,
    bucket,
    topics,
    producer,
    env: {
      TOPIC_OBJECTS: topics.objects,
      TOPIC_RECORDS: topics.records,
      TOPIC_DLQ: topics.dlq,
      TOPIC_SEEN_OBJECTS: topics.seen,
      TOPIC_LOG_FILE_HASHES: topics.hashes,
      KAFKA_GROUP_ID: uniqueName('fetcher'),
      TRANSACTIONAL_ID_PREFIX: uniqueName('fetcher-tx'),
      ...settings,
    },
    close: () => producer.disconnect(),
  };
}

/** Starts the service as its own process and waits until it owns its partitions. */
export async function startFetcher(rig: FetcherRig): Promise<ServiceProcess> {
  const service = startServiceProcess('fetcher-parser', rig.env);
  await service.waitForOutput(/duplicate-detection state restored/, 90_000);
  return service;
}

export function objectRef(rig: FetcherRig, key: string, etag: string | null = null): ObjectRef {
  return {
    bucket: rig.bucket,
    key,
    region: 'us-east-1',
    size: null,
    etag,
    foundBy: 'sqs',
    discoveredAt: Date.now(),
    sequencer: null,
    versionId: null,
  };
}

/** Uploads an object and returns its reference with the ETag S3 gave it. */
export async function putObject(rig: FetcherRig, key: string, body: Buffer | string): Promise<ObjectRef> {
  const { ETag } = await rig.s3.send(new PutObjectCommand({ Bucket: rig.bucket, Key: key, Body: body }));
  return objectRef(rig, key, ETag ?? null);
}

export async function sendRefs(rig: FetcherRig, refs: ObjectRef[]): Promise<void> {
  await rig.producer.send({
    topic: rig.topics.objects,
    acks: -1,
    messages: refs.map((ref) => ({ key: objectRefKey(ref), ...objectRefContract.encode(ref) })),
  });
}

const plainHeaders = (headers: IHeaders | undefined) =>
  Object.fromEntries(Object.entries(headers ?? {}).map(([k, v]) => [k, v?.toString()]));

export function decodeRecord(message: CollectedMessage): CloudTrailRecord {
  return cloudTrailRecordContract.decode(message.value!, plainHeaders(message.headers));
}

export function decodeDeadLetter(message: CollectedMessage): DeadLetter {
  return deadLetterContract.decode(message.value!, plainHeaders(message.headers));
}

/** Read committed, from the start: every record, once `enough` holds (or the timeout passed). */
export async function collectRecords(
  rig: FetcherRig,
  enough: (records: CloudTrailRecord[]) => boolean,
  timeoutMs = 60_000,
): Promise<CloudTrailRecord[]> {
  const records: CloudTrailRecord[] = [];
  await collectMessages(rig.kafka, rig.topics.records, {
    timeoutMs,
    until: (messages) => {
      for (const message of messages.slice(records.length)) records.push(decodeRecord(message));
      return enough(records);
    },
  });
  return records;
}

/** Waits until the service committed every object reference sent so far: all handled, one way or another. */
export async function waitForInputConsumed(rig: FetcherRig, timeoutMs = 60_000): Promise<void> {
  const admin = rig.kafka.admin();
  await admin.connect();
  try {
    const deadline = Date.now() + timeoutMs;
    const ends = await admin.fetchTopicOffsets(rig.topics.objects);
    for (;;) {
      const [committed] = await admin.fetchOffsets({
        groupId: rig.env.KAFKA_GROUP_ID!,
        topics: [rig.topics.objects],
      });
      const done = ends.every(({ partition, offset }) => {
        const position = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        return offset === '0' || BigInt(position) >= BigInt(offset);
      });
      if (done) return;
      if (Date.now() > deadline)
        throw new Error(`the service did not consume ${rig.topics.objects} within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await admin.disconnect();
  }
}
