import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LateItemPolicy } from '@trailstream/datadog';
import { createLogger, type Logger, loadConfig } from '@trailstream/runtime';
import { type DatadogOutput, datadogOutputContract } from '@trailstream/schemas';
import {
  createTestTopics,
  type DatadogIntake,
  type IntakeSnapshot,
  serviceEnvironment,
  startDatadogIntake,
  testKafka,
  uniqueName,
} from '@trailstream/testkit';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { emitterEnv, type RunningEmitter, readEmitterOptions, startEmitter } from '../src/index.js';

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
  /** The emitter's logger, to show what its scrubber blanks. */
  logger: Logger;
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
  // Its own audit topic: restoring counts from the shared default one would read every other run's.
  const topics = await createTestTopics(kafka, {
    datadog: { partitions: options.partitions ?? 3 },
    dlq: {},
    audit: { compacted: true },
  });
  const intake = await startDatadogIntake({ apiKeys: [goodKey] });
  const keyFile = join(await mkdtemp(join(tmpdir(), 'emitter-key-')), 'dd-api-key');
  await writeFile(keyFile, `${options.initialKey ?? goodKey}\n`);

  const logLines: string[] = [];
  const logger = createLogger('emitter', {
    level: 'debug',
    secrets: [],
    destination: { write: (line: string) => void logLines.push(line) },
  });
  const groupId = uniqueName('emitter');
  // The settings main.ts would read, tuned for a test: short waits, a generous rate budget.
  const config = loadConfig(emitterEnv, {
    ...serviceEnvironment(),
    TOPIC_DATADOG: topics.datadog,
    TOPIC_DLQ: topics.dlq,
    TOPIC_AUDIT: topics.audit,
    KAFKA_GROUP_ID: groupId,
    KAFKA_SESSION_TIMEOUT_MS: '10000',
    DD_URL: intake.url,
    DD_API_KEY_FILE: keyFile,
    DD_REQUEST_TIMEOUT_MS: '1000',
    EMITTER_PARTITIONS_CONCURRENTLY: '3',
    EMITTER_EVENT_REQUESTS_PER_PARTITION: '8',
    EMITTER_EVENTS_PER_SECOND: '5000',
    EMITTER_EVENTS_BURST: '500',
    EMITTER_MAX_BACKOFF_MS: '2000',
    EMITTER_KEY_RECHECK_MS: '300',
    EMITTER_LATE_ITEM_POLICY: options.latePolicy ?? 'send-now',
  });
  const registry = new Registry();
  const emitter = await startEmitter({ ...(await readEmitterOptions(config)), kafka, logger, registry });

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
    logger,
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
    attributes: JSON.stringify({
      eventID: id,
      eventTime,
      eventName: 'GetObject',
      ddsource: 'cloudtrail',
      ddsourcecategory: 'aws',
      service: 'cloudtrail',
    }),
    ddtags: 'env:test',
  },
});

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
