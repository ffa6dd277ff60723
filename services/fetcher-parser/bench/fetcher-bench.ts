/**
 * Records/s and peak RSS of the fetcher-parser, end to end through real Kafka and the S3 emulator,
 * beside the floor (gunzip + JSON.parse of the same bytes in one process, no Kafka). Prints JSON.
 * Sizes: BENCH_FILES (2000), BENCH_RECORDS_PER_FILE (250), BENCH_LARGE_MIB (1024); BENCH_PARTITIONS (4)
 * input partitions, each one object in flight. Also printed: the S3 emulator alone (GetObject of
 * every object, drained, as many at once as partitions), which bounds the typical case here.
 * The service runs from its build (`npm run bench` builds first) through the image's entrypoint.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { type ObjectRef, objectRefMessage } from '@trailstream/schemas';
import {
  provisionEndpoints,
  serviceCommand,
  syntheticTrail,
  type TestEndpoints,
  uniqueName,
} from '@trailstream/testkit';
import { Kafka, logLevel } from 'kafkajs';
import { parseLargeByLines, parseWhole, writeLargeObject } from './bench-objects.js';

const FILES = Number(process.env.BENCH_FILES ?? 2000);
const RECORDS_PER_FILE = Number(process.env.BENCH_RECORDS_PER_FILE ?? 250);
const LARGE_MIB = Number(process.env.BENCH_LARGE_MIB ?? 1024);
const PARTITIONS = Number(process.env.BENCH_PARTITIONS ?? 4);

interface Upload {
  key: string;
  body: Buffer | (() => NodeJS.ReadableStream);
  size: number;
}

interface PipelineRun {
  seconds: number;
  /** GetObject of every object, bodies drained, PARTITIONS at a time: the emulator's share. */
  s3OnlySeconds: number;
  peakRssMiB: number;
  idleRssMiB: number;
}

async function main(): Promise<void> {
  const { endpoints, release } = await provisionEndpoints();
  const kafka = new Kafka({
    clientId: 'fetcher-bench',
    brokers: endpoints.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  });
  const s3 = new S3Client({
    endpoint: endpoints.awsEndpoint,
    region: endpoints.awsRegion,
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  try {
    const typicalObjects = [
      ...syntheticTrail({ files: FILES, recordsPerFile: RECORDS_PER_FILE, seed: uniqueName('bench') }),
    ];
    const typicalBodies = typicalObjects.map((o) => o.body);
    const typicalRecords = FILES * RECORDS_PER_FILE;
    const floorTypical = timed(() => parseWhole(typicalBodies));
    const typical = await runPipeline(
      kafka,
      s3,
      endpoints,
      typicalObjects.map((o) => ({ key: o.key, body: o.body, size: o.body.length })),
    );

    const largePath = join(tmpdir(), `${uniqueName('fetcher-bench-large')}.json.gz`);
    const large = await writeLargeObject(largePath, LARGE_MIB * 1024 ** 2);
    try {
      const floorLarge = await timedAsync(() => parseLargeByLines(largePath));
      const largeRun = await runPipeline(kafka, s3, endpoints, [
        { key: large.key, body: () => createReadStream(largePath), size: large.compressedBytes },
      ]);
      const report = {
        machine: { cores: 2, note: 'Kafka, moto and the service share the 2 cores' },
        partitionsInFlight: PARTITIONS,
        typical: scenario(typicalRecords, sumBytes(typicalBodies), typical, floorTypical.seconds, {
          files: FILES,
          recordsPerFile: RECORDS_PER_FILE,
        }),
        large: scenario(large.records, large.compressedBytes, largeRun, floorLarge.seconds, {
          inflatedMiB: Math.round(large.inflatedBytes / 1024 ** 2),
          floorMethod:
            'gunzip stream + JSON.parse of each record line (no process can JSON.parse 1 GiB whole)',
        }),
      };
      process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } finally {
      await rm(largePath, { force: true });
    }
  } finally {
    s3.destroy();
    await release();
  }
}

function scenario(
  records: number,
  compressedBytes: number,
  run: PipelineRun,
  floorSeconds: number,
  extra: object,
) {
  const recordsPerSecond = Math.round(records / run.seconds);
  const floorRecordsPerSecond = Math.round(records / floorSeconds);
  return {
    ...extra,
    records,
    compressedMiB: round(compressedBytes / 1024 ** 2),
    seconds: round(run.seconds),
    recordsPerSecond,
    peakRssMiB: run.peakRssMiB,
    idleRssMiB: run.idleRssMiB,
    floor: { seconds: round(floorSeconds), recordsPerSecond: floorRecordsPerSecond },
    s3EmulatorOnly: {
      seconds: round(run.s3OnlySeconds),
      recordsPerSecond: Math.round(records / run.s3OnlySeconds),
    },
    floorToPipelineRatio: round(floorRecordsPerSecond / recordsPerSecond),
  };
}

/** Uploads the objects, starts a fetcher-parser process, sends the references and times until all are committed. */
async function runPipeline(
  kafka: Kafka,
  s3: S3Client,
  endpoints: TestEndpoints,
  uploads: Upload[],
): Promise<PipelineRun> {
  const bucket = uniqueName('fetcher-bench').slice(0, 63);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const refs: ObjectRef[] = [];
  await inParallel(uploads, 16, async (upload) => {
    const body = typeof upload.body === 'function' ? upload.body() : upload.body;
    const { ETag } = await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: upload.key,
        Body: body as Buffer,
        ContentLength: upload.size,
      }),
    );
    refs.push({
      bucket,
      key: upload.key,
      region: endpoints.awsRegion,
      size: upload.size,
      etag: ETag ?? null,
      foundBy: 'poll',
      discoveredAt: Date.now(),
      sequencer: null,
      versionId: null,
    });
  });

  const topics = {
    objects: uniqueName('bench-objects'),
    records: uniqueName('bench-records'),
    dlq: uniqueName('bench-dlq'),
    seen: uniqueName('bench-seen'),
  };
  const groupId = uniqueName('bench-fetcher');
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic: topics.objects, numPartitions: PARTITIONS },
      { topic: topics.records, numPartitions: PARTITIONS },
      { topic: topics.dlq, numPartitions: 1 },
    ],
  });
  const service = startService(endpoints, {
    TOPIC_OBJECTS: topics.objects,
    TOPIC_RECORDS: topics.records,
    TOPIC_DLQ: topics.dlq,
    TOPIC_SEEN_OBJECTS: topics.seen,
    KAFKA_GROUP_ID: groupId,
    TRANSACTIONAL_ID_PREFIX: uniqueName('bench-tx'),
    OBJECTS_IN_FLIGHT: String(PARTITIONS),
    // The runtime heartbeats between messages only; one 1 GiB object takes longer than the default 30 s.
    KAFKA_SESSION_TIMEOUT_MS: '300000',
    LOG_LEVEL: 'info',
  });
  try {
    await waitForLine(service, /duplicate-detection state restored/);
    const idleRssMiB = await rssMiB(service.pid!, 'VmRSS');
    const producer = kafka.producer();
    await producer.connect();
    const started = performance.now();
    for (let at = 0; at < refs.length; at += 500) {
      await producer.send({
        topic: topics.objects,
        messages: refs.slice(at, at + 500).map(objectRefMessage),
      });
    }
    await producer.disconnect();
    const ends = await admin.fetchTopicOffsets(topics.objects);
    for (;;) {
      const [committed] = await admin.fetchOffsets({ groupId, topics: [topics.objects] });
      const done = ends.every(({ partition, offset }) => {
        const at = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
        return offset === '0' || BigInt(at) >= BigInt(offset);
      });
      if (done) break;
      if (service.exitCode !== null) throw new Error(`fetcher-parser exited with ${service.exitCode}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (performance.now() - started) / 1000;
    const s3Started = performance.now();
    await inParallel(refs, PARTITIONS, async (ref) => {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
      for await (const _ of Body as AsyncIterable<Uint8Array>);
    });
    const s3OnlySeconds = (performance.now() - s3Started) / 1000;
    const [deadLetters] = await admin.fetchTopicOffsets(topics.dlq);
    if (deadLetters?.offset !== '0')
      throw new Error(`${deadLetters?.offset} objects were dead-lettered; see the service log`);
    return { seconds, s3OnlySeconds, peakRssMiB: await rssMiB(service.pid!, 'VmHWM'), idleRssMiB };
  } finally {
    service.kill('SIGTERM');
    await new Promise((r) => service.once('exit', r));
    await admin.deleteTopics({ topics: Object.values(topics) }).catch(() => undefined);
    await admin.disconnect();
  }
}

/** The built service through the image's entrypoint and its Node options, as production runs it. */
function startService(endpoints: TestEndpoints, env: Record<string, string>): ChildProcess {
  const { command, args, cwd, path } = serviceCommand('fetcher-parser', 'build');
  return spawn(command, args, {
    cwd,
    env: {
      PATH: path,
      KAFKA_BROKERS: endpoints.kafkaBrokers.join(','),
      AWS_ENDPOINT_URL: endpoints.awsEndpoint,
      AWS_REGION: endpoints.awsRegion,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      HTTP_PORT: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

function waitForLine(child: ChildProcess, pattern: RegExp): Promise<void> {
  return new Promise((done, fail) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += chunk.toString();
      if (!pattern.test(seen)) return;
      // Keep draining the log without holding it.
      child.stdout?.off('data', onData).resume();
      done();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    child.once('exit', (code) =>
      fail(new Error(`fetcher-parser exited (${code}) before ${pattern}: ${seen}`)),
    );
  });
}

/** Peak (VmHWM) or current (VmRSS) resident memory of a process, from /proc. */
async function rssMiB(pid: number, field: 'VmHWM' | 'VmRSS'): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kib = Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return round(kib / 1024);
}

async function inParallel<T>(items: T[], width: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

function timed<T>(work: () => T): { value: T; seconds: number } {
  const started = performance.now();
  const value = work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

async function timedAsync<T>(work: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const started = performance.now();
  const value = await work();
  return { value, seconds: (performance.now() - started) / 1000 };
}

const sumBytes = (bodies: Buffer[]) => bodies.reduce((sum, body) => sum + body.length, 0);
const round = (n: number) => Math.round(n * 100) / 100;

await main();
