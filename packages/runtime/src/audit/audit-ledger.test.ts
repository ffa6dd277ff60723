import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  auditCellHeader,
  auditEntryKey,
  counterName,
  parseAuditCellHeader,
  parseAuditEntry,
} from './audit-entry.js';
import { AuditLedger } from './audit-ledger.js';

const now = Date.UTC(2026, 11, 2, 12);
const cell = { stream: 's3://trail/AWSLogs/111122223333/eu-west-1', hour: Date.UTC(2026, 11, 2, 10) };
const other = { ...cell, hour: Date.UTC(2026, 11, 2, 11) };

function ledger(dedupeByOffset = false, registry = new Registry()) {
  return new AuditLedger({
    stage: 'emitter',
    topic: 'audit',
    registry,
    retentionMs: 24 * 3_600_000,
    dedupeByOffset,
    now: () => now,
  });
}

const written = (messages: { value: unknown }[]) =>
  messages.map((message) => parseAuditEntry(Buffer.from(String(message.value))));

describe('AuditLedger', () => {
  it('writes each touched cell with its cumulative counts, so a later entry replaces the earlier one', () => {
    const audit = ledger();
    audit.count(0, '5', cell, { outcome: 'read' });
    audit.count(0, '5', cell, { outcome: 'read' });
    expect(written(audit.stage(0, '6'))).toEqual([
      { stage: 'emitter', sourcePartition: 0, ...cell, sourceOffset: '6', counts: { read: 2 } },
    ]);
    audit.commit(0);
    audit.count(0, '6', cell, { outcome: 'dropped', rule: 'ci' });
    audit.count(0, '6', other, { outcome: 'read' });
    expect(written(audit.stage(0, '7')).map((entry) => entry?.counts)).toEqual([
      { read: 2, 'dropped:ci': 1 },
      { read: 1 },
    ]);
  });

  it('forgets what an aborted transaction counted', () => {
    const audit = ledger();
    audit.count(1, '0', cell, { outcome: 'read' });
    audit.stage(1, '1');
    audit.commit(1);
    audit.count(1, '1', cell, { outcome: 'read' });
    audit.stage(1, '2');
    audit.discard(1);
    expect(audit.committedCounts(1, cell)).toEqual({ read: 1 });
    expect(audit.stage(1, '2')).toEqual([]);
  });

  it('keeps the counts of a failed write for the next one', () => {
    const audit = ledger(true);
    audit.count(0, '3', cell, { outcome: 'delivered', output: 'log' });
    audit.stage(0, '4');
    audit.writeFailed(0);
    audit.count(0, '4', cell, { outcome: 'delivered', output: 'log' });
    expect(written(audit.stage(0, '5'))[0]?.counts).toEqual({ 'delivered:log': 2 });
  });

  it('at least once, does not count again a message before the offset its cell was written with', () => {
    const audit = ledger(true);
    audit.load(
      [2],
      [
        {
          stage: 'emitter',
          sourcePartition: 2,
          ...cell,
          sourceOffset: '10',
          counts: { 'delivered:event': 10 },
        },
      ],
    );
    audit.count(2, '9', cell, { outcome: 'delivered', output: 'event' });
    audit.count(2, '10', cell, { outcome: 'delivered', output: 'event' });
    audit.stage(2, '11');
    audit.commit(2);
    expect(audit.committedCounts(2, cell)).toEqual({ 'delivered:event': 11 });
  });

  it('restores the entry that runs furthest, and forgets hours past the retention', () => {
    const audit = ledger();
    const old = { ...cell, hour: now - 48 * 3_600_000 };
    audit.load(
      [0],
      [
        { stage: 'emitter', sourcePartition: 0, ...cell, sourceOffset: '20', counts: { read: 20 } },
        { stage: 'emitter', sourcePartition: 0, ...cell, sourceOffset: '12', counts: { read: 12 } },
        { stage: 'emitter', sourcePartition: 0, ...old, sourceOffset: '3', counts: { read: 3 } },
      ],
    );
    expect(audit.committedCounts(0, cell)).toEqual({ read: 20 });
    expect(audit.committedCounts(0, old)).toBeUndefined();
  });

  it('counts what is committed in its metrics, by account and region', async () => {
    const registry = new Registry();
    const audit = ledger(false, registry);
    audit.count(0, '0', cell, { outcome: 'dead-lettered', reason: 'bad-json', output: 'event' });
    audit.stage(0, '1');
    expect(await registry.getSingleMetricAsString('trailstream_audit_records_total')).not.toContain(
      'bad-json',
    );
    audit.commit(0);
    expect(await registry.getSingleMetricAsString('trailstream_audit_records_total')).toContain(
      'trailstream_audit_records_total{stage="emitter",outcome="dead-lettered-event",detail="bad-json",account="111122223333",region="eu-west-1"} 1',
    );
  });
  it('keeps its account and region labels bounded, whatever account and region folders a bucket holds', async () => {
    const registry = new Registry();
    const audit = ledger(false, registry);
    // Anyone who may write to the trail bucket can make up account and region folders.
    for (let n = 0; n < 1_500; n += 1) {
      const account = String(100_000_000_000 + n);
      audit.count(
        0,
        String(n),
        { stream: `s3://trail/AWSLogs/${account}/eu-west-1`, hour: cell.hour },
        { outcome: 'read' },
      );
    }
    audit.count(0, '1500', { stream: 's3://trail/?', hour: 0 }, { outcome: 'read' });
    audit.stage(0, '1501');
    audit.commit(0);
    const { values } = await registry.getSingleMetric('trailstream_audit_records_total')!.get();
    const accounts = new Set(values.map((value) => value.labels.account));
    expect(accounts.size).toBe(1_002);
    expect(values.find((value) => value.labels.account === 'other')).toMatchObject({
      labels: { region: 'other' },
      value: 500,
    });
    expect(values.find((value) => value.labels.account === 'unknown')).toMatchObject({
      labels: { region: 'unknown' },
      value: 1,
    });
    expect(values.reduce((n, value) => n + value.value, 0)).toBe(1_501);
  });
});

describe('audit entries', () => {
  it('name counters so a rule or reason may hold a colon', () => {
    expect(counterName({ outcome: 'dropped', rule: 'a:b' })).toBe('dropped:a:b');
    expect(counterName({ outcome: 'dead-lettered', reason: 'r' })).toBe('dead-lettered:r');
    expect(counterName({ outcome: 'delivered', output: 'log' })).toBe('delivered:log');
  });

  it('key each stage, input partition, hour and stream apart', () => {
    expect(auditEntryKey({ stage: 'filter-mapper', sourcePartition: 3, ...cell })).toBe(
      'filter-mapper|3|2026-12-02T10|s3://trail/AWSLogs/111122223333/eu-west-1',
    );
  });

  it('read back only what an entry is', () => {
    expect(parseAuditEntry(Buffer.from('{"stage":"discovery"}'))).toBeNull();
    expect(parseAuditEntry(Buffer.from('not json'))).toBeNull();
    expect(parseAuditEntry(null)).toBeNull();
  });

  it('carry a cell on a header and back; a missing or malformed one is no cell', () => {
    expect(parseAuditCellHeader(Buffer.from(auditCellHeader(cell)))).toEqual(cell);
    expect(parseAuditCellHeader(undefined)).toBeNull();
    expect(parseAuditCellHeader('x|s3://a')).toBeNull();
    expect(parseAuditCellHeader('12|')).toBeNull();
  });
});
