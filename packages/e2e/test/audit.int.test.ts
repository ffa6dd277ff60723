import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { syntheticTrail, type TrailObject, uniqueName } from '@trailstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import type { ReconciledRow } from '../../cli/src/reconcile.js';
import { runCli } from '../../cli/test/run-cli.js';
import { loggedEventIds, type RunningPipeline, serviceStates, startPipeline, waitFor } from './pipeline.js';

let pipeline: RunningPipeline | undefined;
afterEach(async () => {
  await pipeline?.stop();
  pipeline = undefined;
});

const sum = (rows: ReconciledRow[], pick: (row: ReconciledRow) => number) =>
  rows.reduce((n, row) => n + pick(row), 0);
const total = (counts: Record<string, number>) => Object.values(counts).reduce((n, v) => n + v, 0);

/** The log file with `extra` records after its own: CloudTrail never writes either kind. */
function withRecords(file: TrailObject, extra: unknown[]): TrailObject {
  const { Records } = JSON.parse(gunzipSync(file.body).toString()) as { Records: unknown[] };
  return { ...file, body: gzipSync(JSON.stringify({ Records: [...Records, ...extra] })) };
}

async function audit(running: RunningPipeline, args: string[]) {
  const { groups, topics } = running;
  return runCli(
    [
      'audit',
      ...args,
      '--fetcher-parser-group',
      groups.fetcher,
      '--filter-mapper-group',
      groups.filter,
      '--emitter-group',
      groups.emitter,
    ],
    {
      TOPIC_AUDIT: topics.audit,
      TOPIC_OBJECTS: topics.objects,
      TOPIC_RECORDS: topics.records,
      TOPIC_DATADOG: topics.datadog,
    },
  );
}

/** Resolves once `count` has not changed for `quietMs`, or after `timeoutMs` whatever it does. */
async function waitUntilSteady(count: () => number, quietMs: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = count();
  let since = Date.now();
  while (Date.now() - since < quietMs && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = count();
    if (now !== last) {
      last = now;
      since = Date.now();
    }
  }
}

/** Runs `trailstream audit --json` until `done` holds for its rows, or fails naming the last output. */
async function auditUntil(
  running: RunningPipeline,
  range: string[],
  done: (rows: ReconciledRow[], code: number) => boolean,
  timeoutMs: number,
): Promise<{ rows: ReconciledRow[]; code: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const result = await audit(running, [...range, '--json']);
    const rows =
      result.code <= 1 ? ((JSON.parse(result.stdout) as { rows: ReconciledRow[] }).rows ?? []) : [];
    if (result.code <= 1 && done(rows, result.code)) return { rows, code: result.code };
    if (Date.now() > deadline) {
      throw new Error(
        `audit never settled: exit ${result.code}\n${result.stdout}\n${result.stderr}\n${serviceStates(running)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

describe('trailstream audit against the four services', () => {
  it('balances drops and dead letters across SIGKILLs, then names the stream and hour of records lost on the way', async () => {
    const rulesDir = await mkdtemp(join(tmpdir(), 'audit-rules-'));
    const rulesFile = join(rulesDir, 'rules.yaml');
    await writeFile(
      rulesFile,
      'include:\n  - name: writes\n    match: { readOnly: false }\nexclude:\n  - name: no-reads\n    match: { readOnly: true }\n',
    );
    pipeline = await startPipeline('sqs', {
      outputMode: 'both',
      // The slow answer below must still be pending at the SIGKILL: a request timeout shorter than it
      // would let the emitter retry, succeed and commit before the kill, and nothing would be sent twice.
      env: { 'filter-mapper': { RULES_FILE: rulesFile }, emitter: { DD_REQUEST_TIMEOUT_MS: '120000' } },
    });
    const running = pipeline;
    const start = new Date(Date.now() - 20 * 60_000);
    const seed = uniqueName('audit');
    const trail = [...syntheticTrail({ files: 12, recordsPerFile: 40, start, seed })];
    // Two records without an eventID: dead-lettered one by one. A record that is no object: the whole file.
    trail[0] = withRecords(trail[0]!, [{ eventVersion: '1.08' }, { eventVersion: '1.08' }]);
    trail[1] = withRecords(trail[1]!, [42]);
    const range = [
      '--since',
      new Date(start.getTime() - 3_600_000).toISOString(),
      '--until',
      new Date(Date.now() + 3_600_000).toISOString(),
    ];

    await running.upload(trail.slice(0, 6));
    await waitFor(
      () => loggedEventIds(running.intake).length > 0,
      60_000,
      () => serviceStates(running),
    );
    // One event answered only after 90 s (longer than the wait before the kill) holds its partition's
    // commit back while later items are accepted: the SIGKILL then makes the at-least-once emitter send
    // them again, and it must not count them again.
    running.intake.addFaults([{ kind: 'slow', times: 1, delayMs: 90_000, endpoint: 'events' }]);
    const loggedBefore = loggedEventIds(running.intake).length;
    await running.upload(trail.slice(6));
    await waitFor(
      () => loggedEventIds(running.intake).length > loggedBefore,
      60_000,
      () => serviceStates(running),
    );
    // Kill once what can be accepted beside the held event has been: its count stops growing.
    await waitUntilSteady(() => loggedEventIds(running.intake).length, 3_000, 45_000);
    await running.crashAndRestart('emitter');
    await running.crashAndRestart('filter-mapper');

    const records = trail.reduce((n, file) => n + file.eventIDs.length, 0) + 2 - trail[1]!.eventIDs.length;
    const balanced = await auditUntil(
      running,
      range,
      (rows, code) =>
        code === 0 &&
        sum(rows, (row) => row.read) === records &&
        rows.every((row) => row.status === 'balanced'),
      240_000,
    );
    const rows = balanced.rows;
    expect(sum(rows, (row) => total(row.dropped))).toBeGreaterThan(0);
    expect(rows.flatMap((row) => Object.keys(row.dropped))).toContain('no-reads');
    expect(sum(rows, (row) => total(row.deadLettered))).toBe(2);
    expect(rows.flatMap((row) => Object.entries(row.filesDeadLettered))).toEqual([['not-json', 1]]);
    // Each log counted once, however often the emitter sent it.
    const { duplicates } = running.intake.snapshot();
    process.stderr.write(
      `[e2e] duplicates at the intake after the emitter's SIGKILL: ${JSON.stringify(duplicates)}\n`,
    );
    expect(duplicates.logs).toBeGreaterThan(0);
    expect(sum(rows, (row) => row.deliveredLogs)).toBe(new Set(loggedEventIds(running.intake)).size);
    expect(sum(rows, (row) => row.deliveredLogs) + sum(rows, (row) => total(row.dropped)) + 2).toBe(records);

    const table = await audit(running, range);
    process.stderr.write(`[e2e] trailstream audit:\n${table.stdout}\n`);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/balanced/);

    // Lost on the way: filter-mapper is down longer than the records topic keeps what fetcher-parser wrote.
    await running.stopService('filter-mapper');
    const lostAccount = '777788889999';
    const lost = [
      ...syntheticTrail({
        files: 1,
        recordsPerFile: 25,
        start: new Date(),
        seed: `${seed}-lost`,
        accounts: [lostAccount],
        regions: ['eu-west-1'],
      }),
    ];
    const admin = running.kafka.admin();
    await admin.connect();
    try {
      const before = await admin.fetchTopicOffsets(running.topics.records);
      await running.upload(lost);
      const deadline = Date.now() + 60_000;
      for (;;) {
        const after = await admin.fetchTopicOffsets(running.topics.records);
        const grown = after.reduce((n, p, i) => n + Number(p.high) - Number(before[i]!.high), 0);
        if (grown >= 25) break;
        if (Date.now() > deadline)
          throw new Error(`fetcher-parser wrote ${grown} of 25 records\n${serviceStates(running)}`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      // What retention does to a topic no one read in time.
      const ends = await admin.fetchTopicOffsets(running.topics.records);
      await admin.deleteTopicRecords({
        topic: running.topics.records,
        partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
      });
    } finally {
      await admin.disconnect();
    }
    running.startService('filter-mapper');

    const missing = await auditUntil(running, range, (_rows, code) => code === 1, 180_000);
    const row = missing.rows.find((candidate) => candidate.status === 'missing');
    expect(row).toMatchObject({
      stream: `s3://${running.bucket}/AWSLogs/${lostAccount}/eu-west-1`,
      read: 25,
      unaccounted: 25,
    });
    const report = await audit(running, range);
    process.stderr.write(`[e2e] trailstream audit after the loss:\n${report.stdout}\n`);
    expect(report.code).toBe(1);
    expect(report.stdout).toMatch(
      new RegExp(
        `AWSLogs/${lostAccount}/eu-west-1\\s+${new Date(row!.hour).toISOString().slice(0, 13)}\\s+25 .*missing`,
      ),
    );
  }, 600_000);
});
