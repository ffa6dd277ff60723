/**
 * What KAFKA_COMPRESSION costs and saves on the records topic (`npm run bench:compression -w
 * @trailstream/fetcher-parser`; the root's `npm run bench` and `npm run bench:e2e` run it too, last):
 * the fetcher-parser, in this process with its own settings and handler, reads a synthetic trail of real
 * CloudTrail records from the S3 emulator and writes the records topic once per compression and
 * records-topic partition count; then a read-committed consumer reads the topic back. Measured: the
 * topic's bytes per record on the broker's disk (its `.log` segments under the broker's `log.dirs`, so
 * only when the broker runs on this machine), and this process's CPU per record for each phase.
 * Writes JSON to COMPRESSION_BENCH_OUTPUT (default bench/results/topic-compression.json), which the script prints.
 *
 * Its own settings, apart from the BENCH_* of fetcher-bench.ts and the e2e pipeline bench:
 * COMPRESSION_BENCH_RECORDS (20,000), COMPRESSION_BENCH_RECORDS_PER_FILE (250), COMPRESSION_BENCH_PARTITIONS
 * (4,12), COMPRESSION_BENCH_CODECS (none,gzip,zstd).
 */
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync, gzipSync, zstdCompressSync, zstdDecompressSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  createKafka,
  createLogger,
  ensureStageTopics,
  type KafkaCompression,
  loadConfig,
  partitionEnds,
} from '@trailstream/runtime';
import { type ObjectRef, objectRefMessage } from '@trailstream/schemas';
import {
  collectMessages,
  createTestBucket,
  eventually,
  serviceEnvironment,
  syntheticTrail,
  testS3,
  uniqueName,
} from '@trailstream/testkit';
import { type Admin, ConfigResourceTypes, type Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { expect, it } from 'vitest';
import { fetcherParserEnv, fetcherParserOptions } from '../src/config.js';
import { startFetcherParser } from '../src/fetcher-parser.js';

const records = Number(process.env.COMPRESSION_BENCH_RECORDS ?? 20_000);
const recordsPerFile = Number(process.env.COMPRESSION_BENCH_RECORDS_PER_FILE ?? 250);
const partitionCounts = (process.env.COMPRESSION_BENCH_PARTITIONS ?? '4,12').split(',').map(Number);
const compressions = (process.env.COMPRESSION_BENCH_CODECS ?? 'none,gzip,zstd').split(
  ',',
) as KafkaCompression[];
const output =
  process.env.COMPRESSION_BENCH_OUTPUT ??
  resolve(dirname(fileURLToPath(import.meta.url)), 'results/topic-compression.json');

const logger = createLogger('compression-bench', { level: 'error' });
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** The directories the broker keeps its partitions in, when they are on this machine. */
async function localLogDirs(admin: Admin): Promise<string[]> {
  const { brokers } = await admin.describeCluster();
  const { resources } = await admin.describeConfigs({
    resources: brokers.map(({ nodeId }) => ({
      type: ConfigResourceTypes.BROKER,
      name: String(nodeId),
      configNames: ['log.dirs', 'log.dir'],
    })),
    includeSynonyms: false,
  });
  const dirs = resources.flatMap(({ configEntries }) =>
    configEntries.flatMap(({ configValue }) => (configValue ? configValue.split(',') : [])),
  );
  return [...new Set(dirs)].filter((dir) => existsSync(dir));
}

/** Bytes of a topic's log segments (record batches as stored, transaction markers included). */
function topicLogBytes(logDirs: string[], topic: string): number {
  let bytes = 0;
  for (const dir of logDirs) {
    for (const folder of readdirSync(dir).filter(
      (name) => /-\d+$/.test(name) && name.startsWith(`${topic}-`),
    )) {
      for (const file of readdirSync(join(dir, folder)).filter((name) => name.endsWith('.log'))) {
        bytes += statSync(join(dir, folder, file)).size;
      }
    }
  }
  return bytes;
}

/**
 * Each codec alone, as kafkajs calls it (gzip: zlib's default level; zstd: level 3), on the records
 * topic's own values batched one file's records at a time: CPU per record without the broker or the
 * stage around it, which on a shared machine is noise of the same size as the codecs' difference.
 */
function codecCosts(values: Buffer[]) {
  const batches: Buffer[] = [];
  for (let i = 0; i < values.length; i += recordsPerFile) {
    batches.push(Buffer.concat(values.slice(i, i + recordsPerFile)));
  }
  const cpuPerRecord = (work: (batch: Buffer) => void, of: Buffer[]) => {
    const started = cpuMicros();
    for (const batch of of) work(batch);
    return round((cpuMicros() - started) / values.length, 2);
  };
  const codecs = { gzip: [gzipSync, gunzipSync], zstd: [zstdCompressSync, zstdDecompressSync] } as const;
  return Object.fromEntries(
    Object.entries(codecs).map(([name, [compress, decompress]]) => {
      const compressed = batches.map((batch) => compress(batch));
      return [
        name,
        {
          bytesPerRecord: round(compressed.reduce((sum, batch) => sum + batch.length, 0) / values.length),
          compressCpuMicrosPerRecord: cpuPerRecord(compress, batches),
          decompressCpuMicrosPerRecord: cpuPerRecord(decompress, compressed),
        },
      ];
    }),
  );
}

/** Resolves once the group has committed every offset of the topic as it stands now. */
async function committedThrough(kafka: Kafka, admin: Admin, groupId: string, topic: string): Promise<void> {
  const ends = await partitionEnds(kafka, topic);
  await eventually(
    async () => {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
      // A partition no reference went to has no committed offset, and nothing to wait for.
      return ends.every(({ partition, end }) => {
        const at = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        return end === 0n || BigInt(at) >= end;
      });
    },
    { timeoutMs: 600_000, what: `${groupId} committing all of ${topic}` },
  );
}

async function uploadTrail(): Promise<ObjectRef[]> {
  const s3 = testS3();
  const bucket = await createTestBucket(s3, 'compression-bench');
  const { AWS_REGION } = serviceEnvironment();
  const refs: ObjectRef[] = [];
  for (const object of syntheticTrail({
    files: Math.ceil(records / recordsPerFile),
    recordsPerFile,
    seed: uniqueName('compression'),
  })) {
    const { ETag } = await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body }),
    );
    refs.push({
      bucket,
      key: object.key,
      region: AWS_REGION!,
      size: object.body.length,
      etag: ETag ?? null,
      foundBy: 'poll',
      discoveredAt: Date.now(),
      sequencer: null,
      versionId: null,
    });
  }
  s3.destroy();
  return refs;
}

async function measure(refs: ObjectRef[], partitions: number, compression: KafkaCompression) {
  const run = uniqueName(`compression-${compression}`);
  const environment = serviceEnvironment();
  // The stage runs in this process, and its AWS SDK clients read their endpoint and credentials from the
  // process environment: the emulator's, not whatever the shell holds (or none: every GetObject fails).
  for (const [name, value] of Object.entries(environment)) {
    if (name.startsWith('AWS_')) process.env[name] = value;
  }
  delete process.env.AWS_SESSION_TOKEN;
  const config = loadConfig(fetcherParserEnv, {
    ...environment,
    KAFKA_COMPRESSION: compression,
    TOPIC_PARTITIONS: String(partitions),
    TOPIC_OBJECTS: `${run}.objects`,
    TOPIC_RECORDS: `${run}.records`,
    TOPIC_DLQ: `${run}.dlq`,
    TOPIC_SEEN_OBJECTS: `${run}.seen-objects`,
    TOPIC_LOG_FILE_HASHES: `${run}.log-file-hashes`,
    // Its own audit topic: restoring from the shared default would read every earlier run's counts.
    TOPIC_AUDIT: `${run}.audit`,
    KAFKA_GROUP_ID: run,
    TRANSACTIONAL_ID_PREFIX: run,
  });
  const kafka = createKafka(config, logger, run);
  const admin = kafka.admin();
  await admin.connect();
  const topics = [
    config.TOPIC_OBJECTS,
    config.TOPIC_RECORDS,
    config.TOPIC_DLQ,
    config.TOPIC_SEEN_OBJECTS,
    config.TOPIC_LOG_FILE_HASHES,
    config.TOPIC_AUDIT,
  ];
  try {
    await ensureStageTopics(kafka, 'fetcher-parser', config);
    const stage = await startFetcherParser({
      ...fetcherParserOptions(config),
      kafka,
      logger,
      registry: new Registry(),
    });
    const producer = kafka.producer();
    await producer.connect();
    const writeStarted = cpuMicros();
    const writeStartedAt = performance.now();
    await producer.send({ topic: config.TOPIC_OBJECTS, messages: refs.map(objectRefMessage) });
    await committedThrough(kafka, admin, run, config.TOPIC_OBJECTS);
    const writeCpu = cpuMicros() - writeStarted;
    const writeSeconds = (performance.now() - writeStartedAt) / 1000;
    await producer.disconnect();
    await stage.stop();

    const offsetsUsed = async (topic: string) =>
      (await partitionEnds(kafka, topic)).reduce((sum, p) => sum + Number(p.end), 0);
    expect(await offsetsUsed(config.TOPIC_DLQ)).toBe(0);
    const written = await offsetsUsed(config.TOPIC_RECORDS);
    const logDirs = await localLogDirs(admin);
    const readStarted = cpuMicros();
    const read = await collectMessages(kafka, config.TOPIC_RECORDS, {
      until: (messages) => messages.length >= refs.length * recordsPerFile,
      timeoutMs: 600_000,
    });
    const readCpu = cpuMicros() - readStarted;
    expect(read).toHaveLength(refs.length * recordsPerFile);
    const perRecord = (value: number) => round(value / (refs.length * recordsPerFile));
    const measured = {
      partitions,
      compression,
      recordsTopicBytesPerRecord:
        logDirs.length > 0 ? perRecord(topicLogBytes(logDirs, config.TOPIC_RECORDS)) : null,
      // Offsets the records topic used, transaction markers included: records plus one marker per
      // partition per transaction.
      recordsTopicOffsets: written,
      fetcherParserSeconds: round(writeSeconds, 2),
      fetcherParserCpuMicrosPerRecord: perRecord(writeCpu),
      readCommittedCpuMicrosPerRecord: perRecord(readCpu),
    };
    return { measured, values: read.map((message) => message.value!) };
  } finally {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  }
}

it('records topic bytes per record on disk and client CPU, per KAFKA_COMPRESSION', async () => {
  const refs = await uploadTrail();
  // Warms up the JIT and the connections, so the first run measured is not charged for them.
  const warmUp = await measure(refs.slice(0, 8), partitionCounts[0]!, compressions[0]!);
  codecCosts(warmUp.values);
  const runs = [];
  let recordValues: Buffer[] | undefined;
  for (const partitions of partitionCounts) {
    for (const compression of compressions) {
      const { measured, values } = await measure(refs, partitions, compression);
      runs.push(measured);
      recordValues ??= values;
      process.stderr.write(`${JSON.stringify(runs.at(-1))}\n`);
    }
  }
  const report = {
    machine: { cpu: cpus()[0]?.model, cores: cpus().length, node: process.version },
    note: 'fetcher-parser in the bench process (its settings and handler), the broker and the S3 emulator on the same machine',
    records: refs.length * recordsPerFile,
    recordsPerFile,
    runs,
    codecs: recordValues ? codecCosts(recordValues) : null,
  };
  writeFileSync(output, `${JSON.stringify(report, null, 2)}\n`);
});
