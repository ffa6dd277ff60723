import {
  collectMessages,
  createTestTopics,
  recordTemplates,
  testKafka,
  uniqueName,
} from '@trailstream/testkit';
import { CompressionTypes } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, inject, it, vi } from 'vitest';
import { loadConfig } from './config.js';
import { registerKafkaCodecs } from './kafka-compression.js';
import { createLogger } from './logger.js';
import {
  type RunningStage,
  runTransactionalStage,
  transactionalStageEnv,
  transactionalStageSettings,
} from './transactional-stage.js';

const kafka = testKafka();
const logger = createLogger('test', { level: 'silent' });
const codec = registerKafkaCodecs();
const running: RunningStage[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(running.splice(0).map((stage) => stage.stop()));
});

/** Real CloudTrail records, as many as a few produce batches hold; every 50th is dead-lettered. */
const records = recordTemplates().slice(0, 300);
const deadLettered = (i: number) => i % 50 === 0;
const forwarded = records.filter((_, i) => !deadLettered(i));

/** Runs filter-mapper's transactional stage with the settings a deployment's environment gives it. */
async function runStageWith(compression: string | undefined) {
  const topics = await createTestTopics(kafka, {
    input: { partitions: 2 },
    output: { partitions: 2 },
    dlq: {},
  });
  const producer = kafka.producer();
  await producer.connect();
  const compress = vi.spyOn(codec, 'compress');
  // The input written as the fetcher-parser writes it with the default: zstd batches.
  await producer.send({
    topic: topics.input,
    compression: CompressionTypes.ZSTD,
    messages: records.map((json, i) => ({ key: String(i), value: json })),
  });
  await producer.disconnect();
  expect(compress).toHaveBeenCalled();

  const config = loadConfig(transactionalStageEnv('filter-mapper'), {
    KAFKA_BROKERS: inject('endpoints').kafkaBrokers.join(','),
    TOPIC_RECORDS: topics.input,
    TOPIC_DLQ: topics.dlq,
    KAFKA_GROUP_ID: uniqueName('compression'),
    TRANSACTIONAL_ID_PREFIX: uniqueName('compression'),
    ...(compression ? { KAFKA_COMPRESSION: compression } : {}),
  });
  const stage = await runTransactionalStage({
    ...transactionalStageSettings('filter-mapper', config),
    kafka,
    logger,
    registry: new Registry(),
    outputTopics: [topics.output],
    maxBufferedMessages: 100,
    handle: async (message, output) => {
      if (deadLettered(Number(message.key!.toString()))) {
        await output.deadLetter({ reasonClass: 'not-json', reasonMessage: 'every 50th', attempts: 1 });
        return;
      }
      await output.send(topics.output, [{ key: message.key, value: message.value }]);
    },
  });
  running.push(stage);
  const seen = await collectMessages(kafka, topics.output, { until: (m) => m.length >= forwarded.length });
  expect(seen.map((m) => m.value!.toString()).sort()).toEqual([...forwarded].sort());
  await stage.stop();
  running.splice(0);
  return topics;
}

const ZSTD_FRAME_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);

/**
 * Reads a topic again with the stage stopped and returns the compressed batches the broker served, as
 * kafkajs handed them to the zstd codec: the broker stores and serves batches as their producer wrote them.
 */
async function zstdBatchesReading(topic: string, count: number): Promise<Buffer[]> {
  const decompress = vi.spyOn(codec, 'decompress');
  const read = await collectMessages(kafka, topic, { until: (m) => m.length >= count });
  expect(read).toHaveLength(count);
  return decompress.mock.calls.map(([batch]) => batch);
}

const totalBytes = (values: readonly (string | Buffer)[]) =>
  values.reduce((sum, value) => sum + Buffer.byteLength(value), 0);

describe('compressed topics through the transactional stage', () => {
  it('reads zstd input and, by default, writes its outputs and dead letters as zstd batches', async () => {
    const topics = await runStageWith(undefined);
    const outputBatches = await zstdBatchesReading(topics.output, forwarded.length);
    expect(outputBatches.length).toBeGreaterThan(0);
    for (const batch of outputBatches) expect(batch.subarray(0, 4)).toEqual(ZSTD_FRAME_MAGIC);
    // What the broker holds for the output is a fraction of the records' own bytes.
    expect(totalBytes(outputBatches)).toBeLessThan(totalBytes(forwarded) / 4);
    expect(await zstdBatchesReading(topics.dlq, records.length - forwarded.length)).not.toHaveLength(0);
  });

  it('writes uncompressed batches with KAFKA_COMPRESSION=none, still reading zstd input', async () => {
    const topics = await runStageWith('none');
    expect(await zstdBatchesReading(topics.output, forwarded.length)).toHaveLength(0);
  });
});
