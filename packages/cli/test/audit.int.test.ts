import { auditCellOf } from '@trailstream/cloudtrail';
import { AuditLedger, type AuditOutcome, type AuditStage } from '@trailstream/runtime';
import type { AuditCell } from '@trailstream/schemas';
import { cloudTrailKey, createTestTopics, testKafka, uniqueName } from '@trailstream/testkit';
import type { Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReconciledRow } from '../src/reconcile.js';
import { runCli } from './run-cli.js';

const kafka = testKafka();
let env: Record<string, string>;
let producer: Producer;

const balancedFile = cloudTrailKey('111122223333', 'eu-west-1', new Date('2026-11-30T10:05:00Z'), 'a1');
const lossyFile = cloudTrailKey('444455556666', 'us-east-1', new Date('2026-11-30T11:20:00Z'), 'b2');
const balanced = auditCellOf('demo-trail', balancedFile);
const lossy = auditCellOf('demo-trail', lossyFile);
/** A file of the current hour, read while fetcher-parser still has a message to handle. */
const recent = auditCellOf('demo-trail', cloudTrailKey('777788889999', 'eu-west-1', new Date(), 'c3'));

function ledger(stage: AuditStage): AuditLedger {
  return new AuditLedger({
    stage,
    topic: env.TOPIC_AUDIT!,
    registry: new Registry(),
    retentionMs: 7 * 86_400_000,
    dedupeByOffset: stage === 'emitter',
  });
}

/** What one input message (a log file, for fetcher-parser) came to. */
function countAt(counts: AuditLedger, offset: number, cell: AuditCell, outcomes: AuditOutcome[]): number {
  for (const outcome of outcomes) counts.count(0, String(offset), cell, outcome);
  return offset + 1;
}

/** One input message per outcome (a record for filter-mapper, an output for the emitter), from `first` on. */
function countEach(counts: AuditLedger, first: number, cell: AuditCell, outcomes: AuditOutcome[]): number {
  for (const [index, outcome] of outcomes.entries()) counts.count(0, String(first + index), cell, outcome);
  return first + outcomes.length;
}

/** As the exactly-once stages write their counts: in the transaction of their output and input offset. */
async function writeInTransaction(counts: AuditLedger, nextOffset: number, commit = true): Promise<void> {
  const transactional = kafka.producer({
    transactionalId: uniqueName('audit-tx'),
    idempotent: true,
    maxInFlightRequests: 1,
  });
  await transactional.connect();
  try {
    const transaction = await transactional.transaction();
    await transaction.send({ topic: counts.topic, messages: counts.stage(0, String(nextOffset)) });
    if (commit) {
      await transaction.commit();
      counts.commit(0);
    } else {
      await transaction.abort();
      counts.discard(0);
    }
  } finally {
    await transactional.disconnect();
  }
}

/** As the emitter writes its counts: acked, before it commits the input offset. */
async function writeAcked(counts: AuditLedger, nextOffset: number): Promise<void> {
  await producer.send({ topic: counts.topic, messages: counts.stage(0, String(nextOffset)), acks: -1 });
  counts.commit(0);
}

const read = (n: number): AuditOutcome[] => Array.from({ length: n }, () => ({ outcome: 'read' }));
const log = (outcome: 'forwarded' | 'delivered', n: number): AuditOutcome[] =>
  Array.from({ length: n }, () => ({ outcome, output: 'log' }));

/**
 * The audit topic as the stages fill it, through their ledger: one hour where every record went
 * somewhere (two dropped by a rule, one dead-lettered, two delivered, the emitter writing the same cell
 * twice as it commits), one hour where filter-mapper forwarded three logs and Datadog accepted two, and
 * a recent hour that only fetcher-parser has counted yet, with a log file still waiting on its input.
 */
beforeAll(async () => {
  const topics = await createTestTopics(kafka, {
    audit: { compacted: true },
    objects: {},
    records: {},
    datadog: {},
  });
  env = {
    TOPIC_AUDIT: topics.audit,
    TOPIC_OBJECTS: topics.objects,
    TOPIC_RECORDS: topics.records,
    TOPIC_DATADOG: topics.datadog,
  };
  producer = kafka.producer();
  await producer.connect();

  const fetcher = ledger('fetcher-parser');
  countAt(fetcher, 0, balanced, [...read(5), { outcome: 'dead-lettered', reason: 'invalid-record' }]);
  countAt(fetcher, 1, lossy, read(3));
  await writeInTransaction(fetcher, 2);
  // An aborted transaction's counts are never read: its input is handled, and counted, again.
  countAt(fetcher, 2, recent, read(2));
  await writeInTransaction(fetcher, 3, false);
  countAt(fetcher, 2, recent, read(2));
  await writeInTransaction(fetcher, 3);

  const filter = ledger('filter-mapper');
  let offset = countEach(filter, 0, balanced, [
    { outcome: 'dropped', rule: 'no-reads' },
    { outcome: 'dropped', rule: 'no-reads' },
    ...log('forwarded', 2),
  ]);
  offset = countEach(filter, offset, lossy, log('forwarded', 3));
  await writeInTransaction(filter, offset);

  const emitter = ledger('emitter');
  await writeAcked(emitter, countEach(emitter, 0, balanced, log('delivered', 1)));
  await writeAcked(emitter, countEach(emitter, 1, balanced, log('delivered', 1)));
  await writeAcked(emitter, countEach(emitter, 2, lossy, log('delivered', 2)));

  await producer.send({ topic: topics.objects, messages: [{ value: 'a log file not yet fetched' }] });
}, 120_000);

afterAll(async () => {
  await producer?.disconnect();
});

const until = () => new Date(Date.now() + 60_000).toISOString();

describe('trailstream audit over counts the stages wrote', () => {
  it('exits 0 when every record of the range went somewhere', async () => {
    const result = await runCli(
      ['audit', '--since', '2026-11-30', '--until', '2026-11-30', '--stream', '111122223333'],
      env,
    );
    expect(result.stderr).toContain(`auditing ${env.TOPIC_AUDIT}`);
    expect(result.code).toBe(0);
    const row = result.stdout.split('\n').find((line) => line.startsWith(balanced.stream));
    expect(row?.split(/\s{2,}/)).toEqual([
      balanced.stream,
      '2026-11-30T10',
      '5',
      '0',
      '2',
      '2',
      '1',
      '0',
      '0',
      'balanced',
    ]);
    expect(result.stdout).toContain(`${balanced.stream} 2026-11-30T10: dropped by no-reads 2`);
    expect(result.stdout).toContain(
      `${balanced.stream} 2026-11-30T10: dead-lettered fetcher-parser: invalid-record 1`,
    );
  });

  it('exits 1 naming the stream and hour a record went missing in, and calls a recent hour in flight', async () => {
    const result = await runCli(['audit', '--since', '2026-11-30', '--until', until()], env);
    expect(result.code).toBe(1);
    const rows = result.stdout.split('\n').map((line) => line.split(/\s{2,}/));
    expect(rows.find(([stream]) => stream === lossy.stream)).toEqual([
      lossy.stream,
      '2026-11-30T11',
      '3',
      '0',
      '2',
      '0',
      '0',
      '0',
      '1',
      'missing',
    ]);
    expect(rows.find(([stream]) => stream === recent.stream)?.slice(-2)).toEqual(['2', 'in flight']);
    expect(rows.find(([stream]) => stream === balanced.stream)?.at(-1)).toBe('balanced');
    expect(result.stdout).toContain(
      '3 stream-hour(s), 10 record(s) read: 1 balanced, 1 in flight, 1 missing, 0 over-counted',
    );
  });

  it('prints the rows and the lag as JSON with --json', async () => {
    const result = await runCli(['audit', '--since', '2026-11-30', '--until', until(), '--json'], env);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as { lag: Record<string, number>; rows: ReconciledRow[] };
    expect(report.lag).toEqual({ 'fetcher-parser': 1, 'filter-mapper': 0, emitter: 0 });
    expect(report.rows.find((row) => row.stream === lossy.stream)).toEqual({
      stream: lossy.stream,
      hour: lossy.hour,
      read: 3,
      deliveredEvents: 0,
      deliveredLogs: 2,
      dropped: {},
      deadLettered: {},
      filesDeadLettered: {},
      unaccounted: 1,
      status: 'missing',
    });
    expect(report.rows.find((row) => row.stream === balanced.stream)).toMatchObject({
      read: 5,
      deliveredLogs: 2,
      dropped: { 'no-reads': 2 },
      deadLettered: { 'fetcher-parser: invalid-record': 1 },
      status: 'balanced',
    });
  });
});

describe('trailstream audit: how it is called', () => {
  it('explains itself with --help', async () => {
    const result = await runCli(['audit', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: trailstream audit --since');
    expect(result.stdout).toContain('--settle <duration>');
  });

  it('is listed among the commands, after verify and doctor', async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\n {2}verify .*\n {2}doctor .*\n {2}audit {8}reconcile records read/);
  });

  it.each([
    [['--until', '2026-12-01'], '--since is required'],
    [['--since', '2026-12-02', '--until', '2026-12-01'], '--since must not be after --until'],
    [['--since', '2026-13-01', '--until', '2026-12-01'], '--since expects YYYY-MM-DD or an ISO time'],
    [['--since', '2026-12-01', '--until', 'yesterday'], '--until expects YYYY-MM-DD or an ISO time'],
    [
      ['--since', '2026-12-01', '--until', '2026-12-01', '--settle', '5 minutes'],
      '--settle expects a duration',
    ],
    [['--since', '2026-12-01', '--until', '2026-12-01', '--stream', ' '], '--stream expects some text'],
    [['--since', '2026-12-01', '--until', '2026-12-01', '--colour'], "Unknown option '--colour'"],
  ])('refuses %j with one line, exit 2', async (args, message) => {
    const result = await runCli(['audit', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(message);
  });

  it('says so when the audit topic does not exist', async () => {
    const topic = uniqueName('no-audit');
    const result = await runCli(['audit', '--since', '2026-12-01', '--until', '2026-12-01'], {
      TOPIC_AUDIT: topic,
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`topic ${topic} does not exist`);
  });
});
