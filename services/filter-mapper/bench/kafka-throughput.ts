import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defaultRulesPath, outputModes, parseRules } from '@trailstream/mapping';
import {
  createKafka,
  createLogger,
  env,
  kafkaEnv,
  loadConfig,
  runTransactionalStage,
} from '@trailstream/runtime';
import { loadFixtureRecords } from '@trailstream/testkit';
import { Registry } from 'prom-client';
import { defaultMessagesPerTransaction } from '../src/config.js';
import { createRecordHandler } from '../src/handle-record.js';
import { createFilterMapperMetrics } from '../src/metrics.js';
import { benchRecordMessage } from './record-message.js';

/**
 * Records per second through the real Kafka (KAFKA_BROKERS, default 127.0.0.1:9092): the service's
 * handler in the transactional stage, one process, reading fixture records from a fresh topic
 * until every one is committed. Each record gets a fresh eventID so every one is a distinct record.
 */
const config = loadConfig(
  {
    ...kafkaEnv,
    OUTPUT_MODE: env.oneOf(outputModes, 'events'),
    BENCH_RECORDS: env.integer(20_000, { min: 1 }),
    /** Input messages per transaction, as the service's RECORDS_PER_TRANSACTION. */
    BENCH_RECORDS_PER_TRANSACTION: env.integer(defaultMessagesPerTransaction, { min: 1 }),
  },
  { KAFKA_BROKERS: '127.0.0.1:9092', ...process.env },
);
// Logs go to stderr so stdout is only the JSON result.
const logger = createLogger('bench', { level: 'warn', destination: process.stderr });
const kafka = createKafka(config, logger);
const partitions = 4;
const run = randomUUID().slice(0, 8);
const topics = { records: `bench-records-${run}`, datadog: `bench-datadog-${run}`, dlq: `bench-dlq-${run}` };
const fixtures = loadFixtureRecords().records;
const total = config.BENCH_RECORDS;

const admin = kafka.admin();
await admin.connect();
await admin.createTopics({
  waitForLeaders: true,
  topics: Object.values(topics).map((topic) => ({ topic, numPartitions: partitions })),
});

const producer = kafka.producer();
await producer.connect();
for (let i = 0; i < total; i += 1000) {
  const messages = Array.from({ length: Math.min(1000, total - i) }, (_, j) => {
    const fixture = fixtures[(i + j) % fixtures.length]!;
    const eventID = `${run}-${i + j}`;
    const json = JSON.stringify({ ...JSON.parse(fixture.json), eventID });
    const encoded = benchRecordMessage(eventID, json, {
      bucket: 'bench',
      key: fixture.file,
      etag: null,
      index: fixture.index,
    });
    return { key: eventID, ...encoded };
  });
  await producer.send({ topic: topics.records, messages });
}
await producer.disconnect();

const rules = parseRules(readFileSync(defaultRulesPath, 'utf8'));
let committed = 0;
let finished: () => void = () => undefined;
const done = new Promise<void>((resolve) => {
  finished = resolve;
});
const started = process.hrtime.bigint();
const cpuStarted = process.cpuUsage();
const registry = new Registry();
const stage = await runTransactionalStage({
  kafka,
  logger,
  registry,
  stage: 'filter-mapper',
  groupId: `bench-${run}`,
  inputTopic: topics.records,
  deadLetterTopic: topics.dlq,
  outputTopics: [topics.datadog],
  transactionalIdPrefix: `bench-${run}`,
  partitionsConsumedConcurrently: partitions,
  maxMessagesPerTransaction: config.BENCH_RECORDS_PER_TRANSACTION,
  onCommitted: (_partition, messages) => {
    committed += messages;
    if (committed >= total) finished();
  },
  handle: createRecordHandler({
    rules: () => rules,
    mapping: { mode: config.OUTPUT_MODE, logService: 'cloudtrail' },
    outputTopic: topics.datadog,
    metrics: createFilterMapperMetrics(registry),
  }),
});
await done;
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const cpu = process.cpuUsage(cpuStarted);
const cpuSeconds = (cpu.user + cpu.system) / 1e6;
await stage.stop();
await admin.deleteTopics({ topics: Object.values(topics) });
await admin.disconnect();

process.stdout.write(
  `${JSON.stringify(
    {
      benchmark: 'filter-mapper through Kafka (transactional stage, one process, includes group join)',
      node: process.version,
      mode: config.OUTPUT_MODE,
      partitions,
      recordsPerTransaction: config.BENCH_RECORDS_PER_TRANSACTION,
      records: total,
      seconds: Number(seconds.toFixed(2)),
      recordsPerSecond: Math.round(total / seconds),
      processCpuSeconds: Number(cpuSeconds.toFixed(2)),
      recordsPerCpuSecond: Math.round(total / cpuSeconds),
      cpuSecondsPer1000Records: Number(((cpuSeconds / total) * 1000).toFixed(4)),
    },
    null,
    2,
  )}\n`,
);
