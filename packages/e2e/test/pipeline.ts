import { PutObjectCommand } from '@aws-sdk/client-s3';
import { cloudTrailRecordContract, datadogOutputContract } from '@trailstream/schemas';
import {
  collectMessages,
  createTestBucket,
  createTestQueue,
  createTestTopics,
  type DatadogIntake,
  notifyQueueOnObjectCreated,
  type ServiceCode,
  type ServiceName,
  type ServiceProcess,
  startDatadogIntake,
  startServiceProcess,
  syntheticTrail,
  type TrailObject,
  testKafka,
  testS3,
  testSqs,
  uniqueName,
} from '@trailstream/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { expect } from 'vitest';

export type DiscoveryMode = 'sqs' | 'poll';

export interface PipelineOptions {
  /** A broker other than the run's shared one, e.g. a private broker the test stops and restarts. */
  kafkaBrokers?: string[];
  /** Where the services reach S3 and SQS, e.g. a fault-injecting proxy in front of the emulator. */
  awsEndpoint?: string;
  /** filter-mapper's `OUTPUT_MODE` (default `both`). */
  outputMode?: 'events' | 'logs' | 'both';
  /** Partitions of the objects, records and datadog topics (default 3). */
  partitions?: number;
  /** `max.message.bytes` of the records and datadog topics (default: the broker's). */
  maxMessageBytes?: Partial<Record<'records' | 'datadog', number>>;
  /** Extra settings per service, over the harness's own. */
  env?: Partial<Record<PipelineService, Record<string, string>>>;
  /** Run the services from their sources (default) or from the build, as production does. */
  code?: ServiceCode;
}

/** The four pipeline stages; the integrity stage has tests of its own. */
export type PipelineService = Exclude<ServiceName, 'integrity'>;
const services: PipelineService[] = ['discovery', 'fetcher-parser', 'filter-mapper', 'emitter'];

/** The whole pipeline as in production: four processes, real Kafka, the S3/SQS emulator, the recording intake. */
export interface RunningPipeline {
  bucket: string;
  /** SQS mode only: the queue the bucket notifies. */
  queueUrl: string | undefined;
  kafka: Kafka;
  /** Consumer groups of the three consuming stages, to follow their committed progress. */
  groups: Record<'fetcher' | 'filter' | 'emitter', string>;
  intake: DatadogIntake;
  topics: Record<'objects' | 'records' | 'datadog' | 'dlq' | 'seen' | 'checkpoints' | 'audit', string>;
  processes: Map<PipelineService, ServiceProcess>;
  upload(objects: TrailObject[]): Promise<void>;
  /** SIGKILLs a service and starts it again with the same settings, as a crash and a restart would. */
  crashAndRestart(service: PipelineService): Promise<void>;
  /** Stops a service (SIGTERM) until `startService`, as an outage would. */
  stopService(service: PipelineService): Promise<void>;
  startService(service: PipelineService): void;
  stop(): Promise<void>;
}

export async function startPipeline(
  mode: DiscoveryMode,
  options: PipelineOptions = {},
): Promise<RunningPipeline> {
  const kafka = options.kafkaBrokers
    ? new Kafka({ clientId: 'trailstream-e2e', brokers: options.kafkaBrokers, logLevel: logLevel.NOTHING })
    : testKafka();
  const s3 = testS3();
  const bucket = await createTestBucket(s3, 'e2e');
  const partitions = options.partitions ?? 3;
  const topics = await createTestTopics(kafka, {
    objects: { partitions },
    records: { partitions, maxMessageBytes: options.maxMessageBytes?.records },
    datadog: { partitions, maxMessageBytes: options.maxMessageBytes?.datadog },
    dlq: {},
    seen: { partitions, compacted: true },
    checkpoints: { partitions: 3, compacted: true },
    audit: { partitions, compacted: true },
  });
  const intake = await startDatadogIntake();
  const run = uniqueName('e2e');
  const shared = {
    TOPIC_OBJECTS: topics.objects,
    TOPIC_RECORDS: topics.records,
    TOPIC_DATADOG: topics.datadog,
    TOPIC_DLQ: topics.dlq,
    TOPIC_AUDIT: topics.audit,
    KAFKA_SESSION_TIMEOUT_MS: '8000',
    LOG_LEVEL: 'info',
    ...(options.kafkaBrokers ? { KAFKA_BROKERS: options.kafkaBrokers.join(',') } : {}),
    ...(options.awsEndpoint ? { AWS_ENDPOINT_URL: options.awsEndpoint } : {}),
  };
  let discovery: Record<string, string>;
  let queueUrl: string | undefined;
  if (mode === 'sqs') {
    const sqs = testSqs();
    const queue = await createTestQueue(sqs, 'e2e');
    await notifyQueueOnObjectCreated(s3, sqs, bucket, queue);
    queueUrl = queue.url;
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
      KAFKA_GROUP_ID: `${run}-discovery`,
    };
  }
  const env: Record<PipelineService, Record<string, string>> = {
    discovery: { ...shared, ...discovery, S3_FORCE_PATH_STYLE: 'true', ...options.env?.discovery },
    'fetcher-parser': {
      ...shared,
      TOPIC_SEEN_OBJECTS: topics.seen,
      KAFKA_GROUP_ID: `${run}-fetcher`,
      TRANSACTIONAL_ID_PREFIX: `${run}-fetcher`,
      ...options.env?.['fetcher-parser'],
    },
    'filter-mapper': {
      ...shared,
      OUTPUT_MODE: options.outputMode ?? 'both',
      KAFKA_GROUP_ID: `${run}-filter`,
      TRANSACTIONAL_ID_PREFIX: `${run}-filter`,
      ...options.env?.['filter-mapper'],
    },
    emitter: {
      ...shared,
      DD_URL: intake.url,
      DD_API_KEY: 'e2e-test-key-0123456789',
      KAFKA_GROUP_ID: `${run}-emitter`,
      ...options.env?.emitter,
    },
  };

  const processes = new Map<PipelineService, ServiceProcess>();
  for (const service of services)
    processes.set(service, startServiceProcess(service, env[service], options.code));

  return {
    bucket,
    queueUrl,
    kafka,
    groups: { fetcher: `${run}-fetcher`, filter: `${run}-filter`, emitter: `${run}-emitter` },
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
      processes.set(service, startServiceProcess(service, env[service], options.code));
    },
    async stopService(service) {
      await processes.get(service)!.stop('SIGTERM');
    },
    startService(service) {
      processes.set(service, startServiceProcess(service, env[service], options.code));
    },
    async stop() {
      await Promise.all([...processes.values()].map((p) => p.stop('SIGTERM')));
      await intake.close();
    },
  };
}

/** The eventID a delivered log entry carries: its attributes are the record's own fields. */
export function loggedEventIds(intake: DatadogIntake): string[] {
  return intake.snapshot().logs.map((log) => String(log.entry.eventID));
}

/**
 * Every delivered log is in the Datadog Forwarder's shape (the record's fields at the top level, with
 * aws.s3, ddsource, ddsourcecategory, service, ddtags) and no tag key takes a new value per item.
 */
export function expectDatadogNativeOutputs(running: RunningPipeline): void {
  const { logs, tagCardinality } = running.intake.snapshot();
  expect(logs.length).toBeGreaterThan(0);
  for (const { entry } of logs) {
    expect(entry).toMatchObject({
      eventID: expect.any(String),
      eventTime: expect.any(String),
      eventSource: expect.any(String),
      aws: { s3: { bucket: running.bucket, key: expect.stringContaining('/CloudTrail/') } },
      ddsource: 'cloudtrail',
      ddsourcecategory: 'aws',
      service: 'cloudtrail',
      ddtags: expect.stringContaining('source:cloudtrail'),
    });
    expect(entry).not.toHaveProperty('message');
  }
  const keys = Object.entries(tagCardinality);
  process.stderr.write(`[e2e] tag cardinality (items, distinct values): ${JSON.stringify(tagCardinality)}\n`);
  expect(keys.map(([key]) => key)).not.toContain('original_event_time');
  // Unique per event would be as many values as items; grouping tags take a small share of that.
  const perEvent = keys.filter(([, { items, values }]) => items >= 20 && values > items / 2);
  expect(perEvent).toEqual([]);
}

/** The eventID a delivered event names in its text. */
export function eventEventIds(intake: DatadogIntake): string[] {
  return intake
    .snapshot()
    .events.map((event) => /\*\*Event ID:\*\* `([^`]+)`/.exec(String(event.payload.text))?.[1] ?? 'unknown');
}

/** Whether each service still runs, and the last lines it printed: what a timed-out wait needs to say. */
export function serviceStates(pipeline: RunningPipeline, lines = 25): string {
  return [...pipeline.processes]
    .map(([service, { child, output }]) => {
      const state =
        child.exitCode === null && child.signalCode === null
          ? 'running'
          : `exited (${child.exitCode ?? child.signalCode})`;
      return `--- ${service}: ${state}\n${output.slice(-lines).join('\n')}`;
    })
    .join('\n');
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
  const { kafka } = pipeline;
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
  return ids.filter((id) => {
    const repeated = seen.has(id);
    seen.add(id);
    return repeated;
  });
}

export function recentTrail(files: number, recordsPerFile: number): TrailObject[] {
  // Recent enough that Datadog would take every item as it is (no late-item policy involved).
  return [
    ...syntheticTrail({
      files,
      recordsPerFile,
      start: new Date(Date.now() - 30 * 60_000),
      seed: uniqueName('trail'),
    }),
  ];
}

/** Every record logged exactly as often as delivered, every event output delivered; returns the intake's duplicates. */
export async function expectEverythingDelivered(
  running: RunningPipeline,
  trail: TrailObject[],
  timeoutMs: number,
) {
  const expected = new Set(trail.flatMap((o) => o.eventIDs));
  await waitFor(
    () => new Set(loggedEventIds(running.intake)).size >= expected.size,
    timeoutMs,
    () =>
      `${new Set(loggedEventIds(running.intake)).size} of ${expected.size} records logged; ${running.intake.snapshot().events.length} events\n${serviceStates(running)}`,
  );
  const { recordIds, outputIds } = await committedOutputs(running, expected.size);
  // Exactly once out of the transactional stages: each record once on the records topic, each output once.
  expect(recordIds.length).toBe(expected.size);
  expect(duplicatesIn(recordIds)).toEqual([]);
  expect(new Set(recordIds)).toEqual(expected);
  expect(duplicatesIn(outputIds)).toEqual([]);
  const eventOutputs = outputIds
    .filter((id) => id.startsWith('event:'))
    .map((id) => id.slice('event:'.length));
  expect(eventOutputs.length).toBeGreaterThan(0);

  // At least once into Datadog: every log and every event arrived.
  await waitFor(
    () => new Set(eventEventIds(running.intake)).size >= eventOutputs.length,
    timeoutMs,
    () => `${new Set(eventEventIds(running.intake)).size} of ${eventOutputs.length} events delivered`,
  );
  expect(new Set(loggedEventIds(running.intake))).toEqual(expected);
  expect(new Set(eventEventIds(running.intake))).toEqual(new Set(eventOutputs));
  expect(running.intake.snapshot().rejections).toEqual([]);
  return running.intake.snapshot().duplicates;
}
