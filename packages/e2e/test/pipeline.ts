import { PutObjectCommand } from '@aws-sdk/client-s3';
import { cloudTrailRecordContract, datadogOutputContract } from '@trailstream/schemas';
import {
  collectMessages,
  createTestBucket,
  createTestQueue,
  createTestTopics,
  type DatadogIntake,
  notifyQueueOnObjectCreated,
  type ServiceName,
  type ServiceProcess,
  startDatadogIntake,
  startServiceProcess,
  type TrailObject,
  testKafka,
  testS3,
  testSqs,
  uniqueName,
} from '@trailstream/testkit';

export type DiscoveryMode = 'sqs' | 'poll';

const services: ServiceName[] = ['discovery', 'fetcher-parser', 'filter-mapper', 'emitter'];

/** The whole pipeline as in production: four processes, real Kafka, the S3/SQS emulator, the recording intake. */
export interface RunningPipeline {
  bucket: string;
  intake: DatadogIntake;
  topics: Record<'objects' | 'records' | 'datadog' | 'dlq' | 'seen' | 'checkpoints', string>;
  processes: Map<ServiceName, ServiceProcess>;
  upload(objects: TrailObject[]): Promise<void>;
  /** SIGKILLs a service and starts it again with the same settings, as a crash and a restart would. */
  crashAndRestart(service: ServiceName): Promise<void>;
  stop(): Promise<void>;
}

export async function startPipeline(mode: DiscoveryMode): Promise<RunningPipeline> {
  const kafka = testKafka();
  const s3 = testS3();
  const bucket = await createTestBucket(s3, 'e2e');
  const topics = await createTestTopics(kafka, {
    objects: { partitions: 3 },
    records: { partitions: 3 },
    datadog: { partitions: 3 },
    dlq: {},
    seen: { partitions: 3, compacted: true },
    checkpoints: { partitions: 3, compacted: true },
  });
  const intake = await startDatadogIntake();
  const run = uniqueName('e2e');
  const shared = {
    TOPIC_OBJECTS: topics.objects,
    TOPIC_RECORDS: topics.records,
    TOPIC_DATADOG: topics.datadog,
    TOPIC_DLQ: topics.dlq,
    KAFKA_SESSION_TIMEOUT_MS: '8000',
    LOG_LEVEL: 'info',
  };
  let discovery: Record<string, string>;
  if (mode === 'sqs') {
    const sqs = testSqs();
    const queue = await createTestQueue(sqs, 'e2e');
    await notifyQueueOnObjectCreated(s3, sqs, bucket, queue);
    discovery = {
      SQS_QUEUE_URLS: queue.url,
      SQS_WAIT_TIME_SECONDS: '1',
      SQS_VISIBILITY_TIMEOUT_SECONDS: '30',
    };
  } else {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    discovery = {
      POLL_SOURCES: bucket,
      POLL_START_DATE: yesterday,
      POLL_INTERVAL_SECONDS: '1',
      POLL_CHECKPOINT_TOPIC: topics.checkpoints,
      POLL_CHECKPOINT_PARTITIONS: '3',
      POLL_GROUP_ID: `${run}-discovery`,
      POLL_SESSION_TIMEOUT_MS: '8000',
    };
  }
  const env: Record<ServiceName, Record<string, string>> = {
    discovery: { ...shared, ...discovery, S3_FORCE_PATH_STYLE: 'true' },
    'fetcher-parser': {
      ...shared,
      TOPIC_SEEN_OBJECTS: topics.seen,
      CONSUMER_GROUP: `${run}-fetcher`,
      TRANSACTIONAL_ID_PREFIX: `${run}-fetcher`,
    },
    'filter-mapper': {
      ...shared,
      OUTPUT_MODE: 'both',
      KAFKA_GROUP_ID: `${run}-filter`,
      TRANSACTIONAL_ID_PREFIX: `${run}-filter`,
    },
    emitter: {
      ...shared,
      DD_URL: intake.url,
      DD_API_KEY: 'e2e-test-key-0123456789',
      EMITTER_GROUP_ID: `${run}-emitter`,
    },
  };

  const processes = new Map<ServiceName, ServiceProcess>();
  for (const service of services) processes.set(service, startServiceProcess(service, env[service]));

  return {
    bucket,
    intake,
    topics,
    processes,
    async upload(objects) {
      for (const object of objects) {
        await s3.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body }));
      }
    },
    async crashAndRestart(service) {
      await processes.get(service)!.stop('SIGKILL');
      processes.set(service, startServiceProcess(service, env[service]));
    },
    async stop() {
      await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM')));
      await intake.close();
    },
  };
}

/** The eventID a delivered log entry carries: its message is the record's own JSON. */
export function loggedEventIds(intake: DatadogIntake): string[] {
  return intake
    .snapshot()
    .logs.map((log) => (JSON.parse(String(log.entry.message)) as { eventID: string }).eventID);
}

/** The eventID a delivered event names in its text. */
export function eventEventIds(intake: DatadogIntake): string[] {
  return intake
    .snapshot()
    .events.map((event) => /\*\*Event ID:\*\* `([^`]+)`/.exec(String(event.payload.text))?.[1] ?? 'unknown');
}

export async function waitFor(
  check: () => boolean,
  timeoutMs: number,
  describe: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** What the exactly-once stages committed: eventIDs on the records topic, and (kind, eventID) on the datadog topic. */
export async function committedOutputs(pipeline: RunningPipeline, expectedRecords: number) {
  const kafka = testKafka();
  const records = await collectMessages(kafka, pipeline.topics.records, {
    until: (m) => m.length >= expectedRecords,
    timeoutMs: 20_000,
  });
  const recordIds = records.map((m) => cloudTrailRecordContract.decode(m.value!, m.headers).eventID);
  const outputs = await collectMessages(kafka, pipeline.topics.datadog, {
    until: (m) => m.length >= expectedRecords,
    timeoutMs: 20_000,
  });
  const outputIds = outputs.map((m) => {
    const output = datadogOutputContract.decode(m.value!, m.headers);
    return `${output.kind}:${output.eventID}`;
  });
  return { recordIds, outputIds };
}

export function duplicatesIn(ids: string[]): string[] {
  const seen = new Set<string>();
  return ids.filter((id) => (seen.has(id) ? true : (seen.add(id), false)));
}
