/**
 * Deliveries per second against the recording intake, printed as JSON: the Datadog client alone, and the
 * whole emitter (Kafka in, HTTP out). Needs the local Kafka (KAFKA_BROKERS, default 127.0.0.1:9092).
 * The intake runs in this same process, so on a small machine both share the CPU: the figures are a floor.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import {
  ApiKey,
  DatadogClient,
  deliverEvent,
  deliverLogs,
  type EventPayload,
  type LogEntry,
} from '@trailstream/datadog';
import { createLogger, loadConfig } from '@trailstream/runtime';
import { datadogOutputContract } from '@trailstream/schemas';
import { startDatadogIntake } from '@trailstream/testkit';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { Registry } from 'prom-client';
import { forEachConcurrently } from '../src/concurrently.js';
import { emitterEnv, readEmitterOptions, startEmitter } from '../src/index.js';
import { eventOutput, logOutput } from '../test/emitter-harness.js';

const key = 'b'.repeat(32);
const events = Number(process.env.BENCH_EVENTS ?? 5_000);
const logs = Number(process.env.BENCH_LOGS ?? 50_000);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');

const intake = await startDatadogIntake({ apiKeys: [key] });
const client = new DatadogClient({
  target: { baseUrl: intake.url },
  apiKey: new ApiKey(key),
  timeoutMs: 10_000,
  connections: 64,
});
const perSecond = (count: number, startedAt: number) =>
  Math.round(count / ((performance.now() - startedAt) / 1000));

const eventPayload = (index: number): EventPayload => ({
  title: `ConsoleLogin ${index}`,
  text: `user ${index} logged in from 203.0.113.${index % 255}`,
  date_happened: Math.floor(Date.now() / 1000),
  tags: ['source:cloudtrail', 'account:123456789012', `event_id:${index}`],
  alert_type: 'info',
  priority: 'normal',
  source_type_name: 'amazon web services',
});
const logEntry = (index: number): LogEntry => ({
  json: JSON.stringify({
    eventID: randomUUID(),
    eventName: 'GetObject',
    index,
    padding: 'x'.repeat(800),
    ddsource: 'cloudtrail',
    service: 'cloudtrail',
    ddtags: 'env:bench',
  }),
});

let startedAt = performance.now();
await forEachConcurrently(
  Array.from({ length: events }, (_, index) => index),
  32,
  async (index) => {
    await deliverEvent(client, eventPayload(index));
  },
);
const clientEventsPerSecond = perSecond(events, startedAt);

const logBatches = Array.from({ length: Math.ceil(logs / 1000) }, (_, batch) =>
  Array.from({ length: Math.min(1000, logs - batch * 1000) }, (_, index) => logEntry(batch * 1000 + index)),
);
startedAt = performance.now();
await forEachConcurrently(logBatches, 4, async (batch) => {
  await deliverLogs(client, batch);
});
const clientLogsPerSecond = perSecond(logs, startedAt);
await client.close();

async function throughEmitter(kind: 'event' | 'log', count: number): Promise<number> {
  intake.reset();
  const kafka = new Kafka({ clientId: 'emitter-bench', brokers, logLevel: logLevel.NOTHING });
  const suffix = randomUUID().slice(0, 8);
  const topics = { datadog: `bench-datadog-${suffix}`, dlq: `bench-dlq-${suffix}` };
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.datadog, numPartitions: 4 },
      { topic: topics.dlq, numPartitions: 1 },
    ],
  });
  await admin.disconnect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  for (let start = 0; start < count; start += 5_000) {
    const outputs = Array.from({ length: Math.min(5_000, count - start) }, (_, index) =>
      kind === 'event' ? eventOutput(`bench-${start + index}`) : logOutput(`bench-${start + index}`),
    );
    await producer.send({
      topic: topics.datadog,
      messages: outputs.map((output) => ({ key: output.eventID, ...datadogOutputContract.encode(output) })),
    });
  }
  await producer.disconnect();

  const options = await readEmitterOptions(
    loadConfig(emitterEnv, {
      KAFKA_BROKERS: brokers.join(','),
      TOPIC_DATADOG: topics.datadog,
      TOPIC_DLQ: topics.dlq,
      KAFKA_GROUP_ID: `bench-${suffix}`,
      DD_URL: intake.url,
      DD_API_KEY: key,
      EMITTER_EVENTS_PER_SECOND: '1000000',
      EMITTER_EVENTS_BURST: '1000',
      EMITTER_MAX_BACKOFF_MS: '5000',
    }),
  );
  const began = performance.now();
  const emitter = await startEmitter({
    ...options,
    datadog: { ...options.datadog, connections: 64 },
    kafka,
    logger: createLogger('emitter-bench', { level: 'silent' }),
    registry: new Registry(),
  });
  const delivered = () =>
    kind === 'event' ? intake.snapshot().events.length : intake.snapshot().logs.length;
  while (delivered() < count) await new Promise((resolve) => setTimeout(resolve, 20));
  const rate = perSecond(count, began);
  await emitter.stop();
  return rate;
}

const emitterEventsPerSecond = await throughEmitter('event', events);
const emitterLogsPerSecond = await throughEmitter('log', logs);
await intake.close();

console.log(
  JSON.stringify({
    machine: { cpus: cpus().length, node: process.version },
    events,
    logs,
    clientEventsPerSecond,
    clientLogsPerSecond,
    emitterEventsPerSecond,
    emitterLogsPerSecond,
    note: 'emitter figures include joining the consumer group; intake and client share this process',
  }),
);
