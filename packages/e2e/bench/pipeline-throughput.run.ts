/**
 * The end-to-end benchmark (`npm run bench:e2e`): CloudTrail files through the four services as separate
 * processes on the run's real Kafka, the S3/SQS emulator and the recording intake, once per output mode;
 * beside the floor (gunzip + JSON.parse of the same files in one process). Writes JSON to BENCH_OUTPUT.
 *
 * BENCH_RECORDS (1,000,000), BENCH_RECORDS_PER_FILE (250), BENCH_MODES (logs,events),
 * BENCH_PROFILE=<service> writes that service's V8 CPU profile (`<pid>.cpuprofile`) to BENCH_PROFILE_DIR.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { type ServiceName, syntheticTrail, type TrailObject, testS3, uniqueName } from '@trailstream/testkit';
import type { Admin } from 'kafkajs';
import { inject, it } from 'vitest';
import { type ProgressSample, stageRate, summarizeDelays } from '../src/bench-figures.js';
import {
  type PipelineService,
  type RunningPipeline,
  serviceStates,
  startPipeline,
  waitFor,
} from '../test/pipeline.js';

type OutputMode = 'logs' | 'events';

const records = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const recordsPerFile = Number(process.env.BENCH_RECORDS_PER_FILE ?? 250);
const modes = (process.env.BENCH_MODES ?? 'logs,events').split(',') as OutputMode[];
const profiled = process.env.BENCH_PROFILE as ServiceName | undefined;
const profileDir = process.env.BENCH_PROFILE_DIR ?? join(tmpdir(), 'trailstream-profiles');
const output = process.env.BENCH_OUTPUT ?? join(tmpdir(), 'trailstream-e2e-bench.json');
const partitions = 4;
const uploadConcurrency = 8;
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const profileHook = resolve(dirname(fileURLToPath(import.meta.url)), 'cpu-profile-hook.mjs');
const services = ['discovery', 'fetcher-parser', 'filter-mapper', 'emitter'] as const;

const seconds = (ms: number) => Math.round(ms / 10) / 100;

/** gunzip + JSON.parse of every file in this one process: what reading the trail costs at the least. */
function measureFloor(trail: TrailObject[]) {
  const started = performance.now();
  let parsed = 0;
  for (const object of trail) {
    parsed += (JSON.parse(gunzipSync(object.body).toString('utf8')) as { Records: unknown[] }).Records.length;
  }
  const elapsedMs = performance.now() - started;
  return {
    records: parsed,
    seconds: seconds(elapsedMs),
    recordsPerSecond: Math.round(parsed / (elapsedMs / 1000)),
  };
}

async function sumCommitted(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

async function sumEndOffsets(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}

interface StageCounts {
  references: number;
  objectsDone: number;
  recordOffsetsDone: number;
  accepted: number;
}

function acceptedItems(pipeline: RunningPipeline, mode: OutputMode): number {
  const { logs, events } = pipeline.intake.snapshot();
  return mode === 'logs' ? logs.length : events.length;
}

async function stageCounts(admin: Admin, pipeline: RunningPipeline, mode: OutputMode): Promise<StageCounts> {
  const { topics, groups } = pipeline;
  const [references, objectsDone, recordOffsetsDone] = await Promise.all([
    sumEndOffsets(admin, topics.objects),
    sumCommitted(admin, groups.fetcher, topics.objects),
    sumCommitted(admin, groups.filter, topics.records),
  ]);
  return { references, objectsDone, recordOffsetsDone, accepted: acceptedItems(pipeline, mode) };
}

/** Peak resident memory of a process (`VmHWM`), in MiB. */
function peakRssMiB(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return line ? Math.round(Number(line.replace(/\D+/g, '')) / 1024) : null;
}

/** CPU seconds (user + system) a process used so far; `/proc/<pid>/stat` counts in clock ticks of 10 ms. */
function cpuSeconds(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    // Fields after the command name (which may hold spaces) start at field 3; utime and stime are 14 and 15.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

/** The processes sharing the machine's cores during a run: the four services, the servers, and this one (the intake). */
function cpuTakers(pipeline: RunningPipeline): Record<string, number | undefined> {
  const local = inject('endpoints').origin === 'local-script';
  const pidFile = (path: string) => {
    try {
      return Number(readFileSync(join(repoRoot, path), 'utf8').trim());
    } catch {
      return undefined;
    }
  };
  return {
    ...Object.fromEntries(services.map((s) => [s, pipeline.processes.get(s)?.child.pid])),
    kafka: local ? pidFile('.local/kafka/kafka.pid') : undefined,
    moto: local ? pidFile('.local/moto.pid') : undefined,
    'bench and intake': process.pid,
  };
}

function cpuSnapshot(pids: Record<string, number | undefined>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
}

/** Bytes of a topic's log segments under the local broker's log dir; null when the broker is not local. */
function topicLogBytes(topic: string): number | null {
  if (inject('endpoints').origin !== 'local-script') return null;
  const dataDir = join(repoRoot, '.local/kafka/data');
  let bytes = 0;
  for (const folder of readdirSync(dataDir).filter((f) => f.startsWith(`${topic}-`))) {
    for (const file of readdirSync(join(dataDir, folder)).filter((f) => f.endsWith('.log'))) {
      bytes += statSync(join(dataDir, folder, file)).size;
    }
  }
  return bytes;
}

async function uploadAll(
  pipeline: RunningPipeline,
  trail: TrailObject[],
  uploadedAt: Float64Array,
  t0: number,
) {
  const s3 = testS3();
  let next = 0;
  const worker = async () => {
    while (next < trail.length) {
      const index = next++;
      const object = trail[index]!;
      await s3.send(new PutObjectCommand({ Bucket: pipeline.bucket, Key: object.key, Body: object.body }));
      uploadedAt[index] = performance.now() - t0;
    }
  };
  await Promise.all(Array.from({ length: uploadConcurrency }, worker));
}

const eventIdInLog = /"eventID":"([^"]+)"/;
const eventIdInEvent = /\*\*Event ID:\*\* `([^`]+)`/;

async function runMode(
  mode: OutputMode,
  trail: TrailObject[],
  warmUp: TrailObject[],
  floorPerSecond: number,
) {
  const quiet = { LOG_LEVEL: 'warn' };
  // Node refuses --cpu-prof in NODE_OPTIONS; an --import hook profiles through the inspector instead.
  const profile = { ...quiet, NODE_OPTIONS: `--import=${profileHook}`, CPU_PROFILE_DIR: profileDir };
  const settings = (service: ServiceName): Record<string, string> => (service === profiled ? profile : quiet);
  const env: Record<PipelineService, Record<string, string>> = {
    discovery: settings('discovery'),
    'fetcher-parser': settings('fetcher-parser'),
    'filter-mapper': settings('filter-mapper'),
    emitter: settings('emitter'),
  };
  // Datadog's Events API allows about 250,000 events a minute per organisation: one replica at ~4,000/s.
  env.emitter = { ...env.emitter, EMITTER_EVENTS_PER_SECOND: '4000', EMITTER_EVENTS_BURST: '4000' };
  const pipeline = await startPipeline('sqs', { outputMode: mode, partitions, env });
  const admin = pipeline.kafka.admin();
  await admin.connect();
  try {
    // Wait until every service works (started, joined its group) before the clock starts.
    await pipeline.upload(warmUp);
    await waitFor(
      () => acceptedItems(pipeline, mode) > 0,
      120_000,
      () => `${mode}: warm-up file not delivered\n${serviceStates(pipeline)}`,
    );
    const baseline = await stageCounts(admin, pipeline, mode);
    pipeline.intake.reset();
    const takers = cpuTakers(pipeline);
    const cpuBefore = cpuSnapshot(takers);

    const t0 = performance.now();
    const samples: (StageCounts & { atMs: number })[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const counts = await stageCounts(admin, pipeline, mode);
        samples.push({ atMs: performance.now() - t0, ...counts });
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();
    const uploadedAt = new Float64Array(trail.length);
    await uploadAll(pipeline, trail, uploadedAt, t0);
    const uploadMs = performance.now() - t0;

    // Done when the filter-mapper has committed everything the fetcher produced and the intake is quiet.
    const files = trail.length;
    await waitFor(
      () => {
        const last = samples.at(-1);
        return last !== undefined && last.objectsDone - baseline.objectsDone >= files;
      },
      600_000,
      () => `${mode}: fetcher-parser did not finish: ${JSON.stringify(samples.at(-1))}`,
    );
    const recordsEnd = await sumEndOffsets(admin, pipeline.topics.records);
    await waitFor(
      () => {
        const last = samples.at(-1);
        // A committed offset can stop one short of the end per partition: the last transaction's marker.
        return last !== undefined && last.recordOffsetsDone >= recordsEnd - partitions;
      },
      600_000,
      () => `${mode}: filter-mapper did not finish: ${JSON.stringify(samples.at(-1))}`,
    );
    await waitFor(
      () => {
        const recent = samples.slice(-6);
        return recent.length === 6 && recent.every((s) => s.accepted === recent[0]!.accepted);
      },
      600_000,
      () => `${mode}: the emitter did not settle`,
    );
    sampling = false;
    await sampler;
    const cpuAfter = cpuSnapshot(takers);
    const cpuPer1000Records = Object.fromEntries(
      Object.keys(takers).map((name) => {
        const [before, after] = [cpuBefore[name], cpuAfter[name]];
        return [
          name,
          before == null || after == null ? null : Math.round(((after - before) / records) * 1e6) / 1e3,
        ];
      }),
    );

    const snapshot = pipeline.intake.snapshot();
    const acceptedAt = new Map<string, number>();
    const items =
      mode === 'logs'
        ? snapshot.logs.map((l) => ({
            id: eventIdInLog.exec(String(l.entry.message))?.[1],
            at: l.receivedAt,
          }))
        : snapshot.events.map((e) => ({
            id: eventIdInEvent.exec(String(e.payload.text))?.[1],
            at: e.receivedAt,
          }));
    for (const { id, at } of items) if (id !== undefined && !acceptedAt.has(id)) acceptedAt.set(id, at);
    // receivedAt is wall-clock time; convert the uploads' monotonic times to it.
    const wallAtT0 = Date.now() - (performance.now() - t0);
    const delays: number[] = [];
    trail.forEach((object, index) => {
      for (const id of object.eventIDs) {
        const at = acceptedAt.get(id);
        if (at !== undefined) delays.push(at - (wallAtT0 + uploadedAt[index]!));
      }
    });
    // A loop, not Math.max(...): a million arguments overflow the stack.
    let lastAcceptedAt = 0;
    for (const { at } of items) lastAcceptedAt = Math.max(lastAcceptedAt, at);
    const lastAcceptMs = lastAcceptedAt - wallAtT0;

    const series = (pick: (s: StageCounts) => number, base: number, scale = 1): ProgressSample[] =>
      samples.map((s) => ({ atMs: s.atMs, count: Math.round((pick(s) - base) * scale) }));
    // Committed offsets count transaction markers too: scale them to records.
    const markerScale = records / Math.max(1, recordsEnd - baseline.recordOffsetsDone);
    const stages = {
      discovery: stageRate(series((s) => s.references, baseline.references)),
      fetcherParser: stageRate(series((s) => s.objectsDone, baseline.objectsDone, recordsPerFile)),
      filterMapper: stageRate(series((s) => s.recordOffsetsDone, baseline.recordOffsetsDone, markerScale)),
      emitter: stageRate(series((s) => s.accepted, 0)),
    };
    const peakRss = Object.fromEntries(
      services.map((s) => [s, peakRssMiB(pipeline.processes.get(s)?.child.pid)]),
    );
    const topicBytes = {
      objects: topicLogBytes(pipeline.topics.objects),
      records: topicLogBytes(pipeline.topics.records),
      datadog: topicLogBytes(pipeline.topics.datadog),
      seenObjects: topicLogBytes(pipeline.topics.seen),
    };
    const perRecord = (bytes: number | null) =>
      bytes === null ? null : Math.round(bytes / (records + recordsPerFile));
    const endToEndSeconds = seconds(lastAcceptMs);
    const endToEndPerSecond = Math.round(records / (lastAcceptMs / 1000));
    return {
      uploadSeconds: seconds(uploadMs),
      endToEnd: {
        seconds: endToEndSeconds,
        recordsPerSecond: endToEndPerSecond,
        ratioToFloor: Math.round((floorPerSecond / endToEndPerSecond) * 10) / 10,
      },
      stagesPerSecond: stages,
      delayUploadToAcceptanceMs: summarizeDelays(delays),
      itemsAccepted: {
        [mode]: acceptedAt.size,
        duplicates: snapshot.duplicates,
        rejections: snapshot.rejections.length,
      },
      peakRssMiB: peakRss,
      cpuSecondsPer1000Records: cpuPer1000Records,
      kafkaBytesPerRecord: {
        objects: perRecord(topicBytes.objects),
        records: perRecord(topicBytes.records),
        datadog: perRecord(topicBytes.datadog),
        seenObjects: perRecord(topicBytes.seenObjects),
      },
    };
  } finally {
    await pipeline.stop();
    // The run's topics hold gigabytes on the shared broker: remove them once measured.
    await admin.deleteTopics({ topics: Object.values(pipeline.topics) }).catch(() => undefined);
    await admin.disconnect();
  }
}

it('end-to-end throughput against the floor', async () => {
  const startedAt = Date.now();
  const files = Math.ceil(records / recordsPerFile);
  const generationStarted = performance.now();
  const seed = uniqueName('bench');
  const now = Date.now();
  const trail = [...syntheticTrail({ files, recordsPerFile, seed, start: new Date(now - 2 * 3_600_000) })];
  const warmUp = [...syntheticTrail({ files: 1, recordsPerFile, seed: `${seed}-warm-up` })];
  const generationSeconds = seconds(performance.now() - generationStarted);
  const floor = measureFloor(trail);
  const results: Record<string, unknown> = {};
  for (const mode of modes) results[mode] = await runMode(mode, trail, warmUp, floor.recordsPerSecond);
  const report = {
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model,
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
      loadAverageAtStart: loadavg().map((l) => Math.round(l * 100) / 100),
      endpoints: inject('endpoints').origin,
    },
    input: {
      records: files * recordsPerFile,
      files,
      recordsPerFile,
      gzipMiB: Math.round(trail.reduce((sum, o) => sum + o.body.length, 0) / 2 ** 20),
      generationSeconds,
    },
    floor,
    modes: results,
    profiled: profiled ? { service: profiled, dir: profileDir } : null,
    wallSeconds: seconds(Date.now() - startedAt),
  };
  writeFileSync(output, `${JSON.stringify(report, null, 2)}\n`);
});
