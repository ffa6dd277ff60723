/**
 * The end-to-end benchmark (`npm run bench:e2e`): CloudTrail files through the four services as separate
 * processes on the run's real Kafka, the S3/SQS emulator and the recording intake, once per output mode;
 * beside the floor (gunzip + JSON.parse of the same files in one process). Writes JSON to BENCH_OUTPUT.
 *
 * BENCH_RECORDS (1,000,000), BENCH_RECORDS_PER_FILE (250), BENCH_MODES (logs,events),
 * BENCH_PROFILE=<service> writes that service's V8 CPU profile (`<pid>.cpuprofile`) to BENCH_PROFILE_DIR.
 * BENCH_OUTPUT defaults to bench/results/latest.json. What each field means: the package README.
 * The services run from their build (`npm run bench` builds first), as production runs them.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  type ServiceCode,
  type ServiceName,
  syntheticTrail,
  type TrailObject,
  testS3,
  uniqueName,
} from '@trailstream/testkit';
import type { Admin } from 'kafkajs';
import { inject, it } from 'vitest';
import { type ProgressSample, stageRate, summarizeDelays } from '../src/bench-figures.js';
import { findLocalServers, type LocalServers, localStateDirs } from '../src/local-servers.js';
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
const output =
  process.env.BENCH_OUTPUT ?? resolve(dirname(fileURLToPath(import.meta.url)), 'results/latest.json');
const partitions = 4;
/** How the services run: as production runs them. */
const serviceCode: ServiceCode = 'build';
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
function cpuTakers(pipeline: RunningPipeline, servers: LocalServers): Record<string, number | undefined> {
  return {
    ...Object.fromEntries(services.map((s) => [s, pipeline.processes.get(s)?.child.pid])),
    kafka: servers.kafka?.pid,
    moto: servers.moto?.pid,
    'bench and intake': process.pid,
  };
}

function cpuSnapshot(pids: Record<string, number | undefined>): Record<string, number | null> {
  return Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
}

/** Bytes of a topic's log segments under the local broker's log dir; null when the broker is not local. */
function topicLogBytes(servers: LocalServers, topic: string): number | null {
  if (servers.kafka === null) return null;
  const { dataDir } = servers.kafka;
  let bytes = 0;
  for (const folder of readdirSync(dataDir).filter((f) => f.startsWith(`${topic}-`))) {
    for (const file of readdirSync(join(dataDir, folder)).filter((f) => f.endsWith('.log'))) {
      bytes += statSync(join(dataDir, folder, file)).size;
    }
  }
  return bytes;
}

/** The CPU model as /proc/cpuinfo names it (os.cpus() may shorten it), the cores and the memory. */
function machine() {
  let cpuModel = cpus()[0]?.model ?? null;
  try {
    cpuModel =
      /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? cpuModel;
  } catch {
    // Not Linux: os.cpus() it is.
  }
  return {
    cpuModel,
    cpus: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
  };
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

const eventIdInEvent = /\*\*Event ID:\*\* `([^`]+)`/;

async function runMode(
  mode: OutputMode,
  trail: TrailObject[],
  warmUp: TrailObject[],
  floorPerSecond: number,
  servers: LocalServers,
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
  const pipeline = await startPipeline('sqs', { outputMode: mode, partitions, env, code: serviceCode });
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
    const takers = cpuTakers(pipeline, servers);
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
        // A committed offset stops one short of the end per partition (the last transaction's marker), or
        // more where the fetcher-parser's last transactions on a partition were aborted: then it stays put.
        const recent = samples.slice(-10);
        const still =
          recent.length === 10 && recent.every((s) => s.recordOffsetsDone === last?.recordOffsetsDone);
        return last !== undefined && (last.recordOffsetsDone >= recordsEnd - partitions || still);
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
    const measured = trail.length * recordsPerFile;
    const cpuSecondsOf = (name: string) => {
      const [before, after] = [cpuBefore[name], cpuAfter[name]];
      return before == null || after == null ? null : after - before;
    };
    const per1000 = (cpuSeconds: number | null) =>
      cpuSeconds === null ? null : Math.round((cpuSeconds / measured) * 1e6) / 1e3;
    const cpuPer1000Records = Object.fromEntries(
      Object.keys(takers).map((name) => [name, per1000(cpuSecondsOf(name))]),
    );
    const servicesCpu = services.map(cpuSecondsOf);
    const fourServices = servicesCpu.some((c) => c === null)
      ? null
      : per1000(servicesCpu.reduce((sum: number, c) => sum + (c ?? 0), 0));

    const snapshot = pipeline.intake.snapshot();
    const acceptedAt = new Map<string, number>();
    const items =
      mode === 'logs'
        ? snapshot.logs.map((l) => ({
            // A log's attributes are the record's own fields.
            id: typeof l.entry.eventID === 'string' ? l.entry.eventID : undefined,
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
    const markerScale = measured / Math.max(1, recordsEnd - baseline.recordOffsetsDone);
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
      objects: topicLogBytes(servers, pipeline.topics.objects),
      records: topicLogBytes(servers, pipeline.topics.records),
      datadog: topicLogBytes(servers, pipeline.topics.datadog),
      seenObjects: topicLogBytes(servers, pipeline.topics.seen),
    };
    const perRecord = (bytes: number | null) =>
      bytes === null ? null : Math.round(bytes / (measured + recordsPerFile));
    const endToEndSeconds = seconds(lastAcceptMs);
    const endToEndPerSecond = Math.round(measured / (lastAcceptMs / 1000));
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
      cpuSecondsPer1000Records: { ...cpuPer1000Records, fourServices },
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
  const endpoints = inject('endpoints');
  // The servers' CPU and disk are read wherever deploy/local runs them, also when started outside this run.
  const servers = findLocalServers(localStateDirs(repoRoot), endpoints);
  const loadAverageAtStart = loadavg().map((l) => Math.round(l * 100) / 100);
  const results: Record<string, unknown> = {};
  for (const mode of modes)
    results[mode] = await runMode(mode, trail, warmUp, floor.recordsPerSecond, servers);
  const report = {
    startedAt: new Date(startedAt).toISOString(),
    machine: {
      ...machine(),
      loadAverageAtStart,
      serviceCode,
      endpoints: endpoints.origin,
      localServers: { kafka: servers.kafka !== null, moto: servers.moto !== null },
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
  mkdirSync(dirname(output), { recursive: true });
  writeFileSync(output, `${JSON.stringify(report, null, 2)}\n`);
});
