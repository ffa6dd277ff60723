import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ApiKeySource, DatadogClient, type LateItemPolicy, readApiKey } from '@trailstream/datadog';
import { createLogger } from '@trailstream/runtime';
import { type DatadogOutput, datadogOutputContract } from '@trailstream/schemas';
import {
  createTestTopics,
  type DatadogIntake,
  type IntakeSnapshot,
  startDatadogIntake,
  testKafka,
  uniqueName,
} from '@trailstream/testkit';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { createEmitterMetrics, type RunningEmitter, startEmitter } from '../src/index.js';

export const goodKey = 'e'.repeat(32);
export const wrongKey = 'w'.repeat(32);

export interface Harness {
  kafka: Kafka;
  topics: { datadog: string; dlq: string };
  groupId: string;
  intake: DatadogIntake;
  emitter: RunningEmitter;
  registry: Registry;
  keyFile: string;
  /** Every line the emitter logged; the logger is built WITHOUT secret scrubbing, so leaks would show. */
  logLines: string[];
  produce(outputs: DatadogOutput[]): Promise<void>;
  waitForIntake(until: (snapshot: IntakeSnapshot) => boolean, timeoutMs?: number): Promise<IntakeSnapshot>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  initialKey?: string;
  latePolicy?: LateItemPolicy;
  partitions?: number;
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const kafka = testKafka();
  const topics = await createTestTopics(kafka, { datadog: { partitions: options.partitions ?? 3 }, dlq: {} });
  const intake = await startDatadogIntake({ apiKeys: [goodKey] });
  const keyFile = join(await mkdtemp(join(tmpdir(), 'emitter-key-')), 'dd-api-key');
  await writeFile(keyFile, `${options.initialKey ?? goodKey}\n`);
  const apiKeySource: ApiKeySource = { kind: 'file', path: keyFile };

  const logLines: string[] = [];
  const logger = createLogger('emitter', {
    level: 'debug',
    secrets: [],
    destination: { write: (line: string) => void logLines.push(line) },
  });
  const groupId = uniqueName('emitter');
  const registry = new Registry();
  const metrics = createEmitterMetrics(registry);
  const client = new DatadogClient({
    target: { baseUrl: intake.url },
    apiKey: await readApiKey(apiKeySource),
    timeoutMs: 1_000,
  });
  const emitter = await startEmitter({
    kafka,
    logger,
    metrics,
    client,
    apiKeySource,
    inputTopic: topics.datadog,
    deadLetterTopic: topics.dlq,
    groupId,
    sessionTimeoutMs: 10_000,
    partitionsConcurrently: 3,
    eventRequestsPerPartition: 8,
    eventsPerSecond: 5_000,
    eventsBurst: 500,
    maxBackoffMs: 2_000,
    keyRecheckMs: 300,
    latePolicy: options.latePolicy ?? 'send-now',
  });

  const producer = kafka.producer();
  await producer.connect();

  return {
    kafka,
    topics,
    groupId,
    intake,
    emitter,
    registry,
    keyFile,
    logLines,
    async produce(outputs) {
      await producer.send({
        topic: topics.datadog,
        messages: outputs.map((output) => {
          const encoded = datadogOutputContract.encode(output);
          return { key: output.eventID, value: encoded.value, headers: encoded.headers };
        }),
      });
    },
    async waitForIntake(until, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const snapshot = intake.snapshot();
        if (until(snapshot)) return snapshot;
        if (Date.now() > deadline) {
          throw new Error(
            `intake did not reach the expected state in ${timeoutMs} ms: ${snapshot.events.length} events, ` +
              `${snapshot.logs.length} logs, responses ${JSON.stringify(snapshot.responses)}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    async close() {
      await emitter.stop();
      await producer.disconnect();
      await client.close();
      await intake.close();
    },
  };
}

export const eventOutput = (id: string, eventTime = new Date().toISOString()): DatadogOutput => ({
  kind: 'event',
  eventID: id,
  eventTime,
  event: {
    title: `ConsoleLogin ${id}`,
    text: `${id} logged in`,
    dateHappened: Math.floor(Date.parse(eventTime) / 1000),
    tags: ['source:cloudtrail', `event_id:${id}`],
    aggregationKey: 'ConsoleLogin',
    alertType: 'info',
    priority: 'normal',
    sourceTypeName: 'amazon web services',
    host: null,
  },
  log: null,
});

export const logOutput = (id: string, eventTime = new Date().toISOString()): DatadogOutput => ({
  kind: 'log',
  eventID: id,
  eventTime,
  event: null,
  log: {
    message: JSON.stringify({ eventID: id, eventTime, eventName: 'GetObject' }),
    ddsource: 'cloudtrail',
    service: 'cloudtrail',
    ddtags: 'env:test',
    hostname: null,
  },
});

/** Polls `check` until it returns true, failing with `what` after the timeout. */
export async function eventually(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The offsets the group committed, per partition of the datadog topic. */
export async function committedOffsets(harness: Harness): Promise<number[]> {
  const admin = harness.kafka.admin();
  await admin.connect();
  try {
    const [topic] = await admin.fetchOffsets({ groupId: harness.groupId, topics: [harness.topics.datadog] });
    return (topic?.partitions ?? [])
      .sort((a, b) => a.partition - b.partition)
      .map(({ offset }) => Number(offset));
  } finally {
    await admin.disconnect();
  }
}

/** A metric's value summed over the series matching `labels`. */
export async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  return (metric?.values ?? [])
    .filter((value) =>
      Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected),
    )
    .reduce((sum, value) => sum + value.value, 0);
}
