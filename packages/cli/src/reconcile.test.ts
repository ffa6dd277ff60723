import type { AuditEntry } from '@trailstream/runtime';
import { describe, expect, it } from 'vitest';
import { auditExitCode, balanceCell, formatAudit, reconcile } from './reconcile.js';

const stream = 's3://trail/AWSLogs/111122223333/eu-west-1';
const hour = Date.UTC(2026, 11, 2, 10);

function entry(
  stage: AuditEntry['stage'],
  counts: Record<string, number>,
  extra: Partial<AuditEntry> = {},
): AuditEntry {
  return { stage, sourcePartition: 0, stream, hour, sourceOffset: '1', counts, ...extra };
}

const settled = { since: hour, until: hour + 3_599_999, streams: [], mayBeInFlight: () => false };

describe('reconcile', () => {
  it('balances logs: read = delivered + dropped + dead-lettered at every stage, summed over partitions', () => {
    const rows = reconcile(
      [
        entry('fetcher-parser', { read: 6, 'dead-lettered:bad-json': 1 }),
        entry('fetcher-parser', { read: 4 }, { sourcePartition: 1 }),
        entry('filter-mapper', {
          'dropped:ci': 2,
          'dead-lettered:record-too-deep': 1,
          'forwarded:log': 6,
          'forwarded:event': 3,
        }),
        entry('emitter', { 'delivered:log': 5, 'dead-lettered-log:too-old': 1, 'delivered:event': 3 }),
      ],
      settled,
    );
    expect(rows).toEqual([
      {
        stream,
        hour,
        read: 10,
        deliveredEvents: 3,
        deliveredLogs: 5,
        dropped: { ci: 2 },
        deadLettered: {
          'fetcher-parser: bad-json': 1,
          'filter-mapper: record-too-deep': 1,
          'emitter (log): too-old': 1,
        },
        filesDeadLettered: {},
        unaccounted: 0,
        status: 'balanced',
      },
    ]);
    expect(auditExitCode(rows)).toBe(0);
  });

  it('balances events in events mode, records no include rule matched counted as dropped', () => {
    const row = balanceCell(
      stream,
      hour,
      {
        'fetcher-parser': { read: 5 },
        'filter-mapper': { 'dropped:(no include rule)': 3, 'forwarded:event': 2 },
        emitter: { 'delivered:event': 2 },
      },
      false,
    );
    expect(row).toMatchObject({ unaccounted: 0, status: 'balanced' });
  });

  it('names a lost record missing once settled, in flight while the stages still have work', () => {
    const stages = {
      'fetcher-parser': { read: 3 },
      'filter-mapper': { 'forwarded:log': 2 },
      emitter: { 'delivered:log': 2 },
    };
    expect(balanceCell(stream, hour, stages, false)).toMatchObject({ unaccounted: 1, status: 'missing' });
    expect(balanceCell(stream, hour, stages, true)).toMatchObject({ unaccounted: 1, status: 'in flight' });
    expect(auditExitCode([balanceCell(stream, hour, stages, false)])).toBe(1);
    expect(auditExitCode([balanceCell(stream, hour, stages, true)])).toBe(0);
  });

  it('in both modes also checks the events: one forwarded but neither delivered nor dead-lettered is missing', () => {
    const row = balanceCell(
      stream,
      hour,
      {
        'fetcher-parser': { read: 2 },
        'filter-mapper': { 'forwarded:log': 2, 'forwarded:event': 2 },
        emitter: { 'delivered:log': 2, 'delivered:event': 1 },
      },
      false,
    );
    expect(row).toMatchObject({ unaccounted: 1, status: 'missing' });
  });

  it('says over-counted when more was delivered than read', () => {
    const row = balanceCell(
      stream,
      hour,
      {
        'fetcher-parser': { read: 1 },
        'filter-mapper': { 'forwarded:log': 1 },
        emitter: { 'delivered:log': 2 },
      },
      false,
    );
    expect(row).toMatchObject({ unaccounted: -1, status: 'over-counted' });
    expect(auditExitCode([row])).toBe(1);
  });

  it('keeps the entry that runs furthest per key, the hours of the range and the streams asked for', () => {
    const rows = reconcile(
      [
        entry('fetcher-parser', { read: 2 }, { sourceOffset: '9' }),
        entry('fetcher-parser', { read: 1 }, { sourceOffset: '4' }),
        entry('fetcher-parser', { read: 7 }, { hour: hour + 3_600_000 }),
        entry('fetcher-parser', { read: 7 }, { stream: 's3://trail/AWSLogs/444455556666/us-east-1' }),
      ],
      { ...settled, streams: ['111122223333'] },
    );
    expect(rows.map((row) => [row.stream, row.read])).toEqual([[stream, 2]]);
  });
});

describe('formatAudit', () => {
  it('prints a row per stream and hour, the drops and dead letters beneath, and a summary', () => {
    const text = formatAudit([
      balanceCell(
        stream,
        hour,
        {
          'fetcher-parser': { read: 3, 'dead-lettered:bad-json': 1, 'file-dead-lettered:not-json': 1 },
          'filter-mapper': { 'dropped:ci': 1, 'forwarded:log': 1 },
          emitter: {},
        },
        false,
      ),
    ]);
    expect(text).toContain('stream');
    expect(text).toMatch(
      /s3:\/\/trail\/AWSLogs\/111122223333\/eu-west-1\s+2026-12-02T10\s+3\s+0\s+0\s+1\s+1\s+1\s+1\s+missing/,
    );
    expect(text).toContain(
      'log files dead-lettered whole, their records in no count (see trailstream dlq): not-json 1',
    );
    expect(text).toContain('dropped by ci 1');
    expect(text).toContain('dead-lettered fetcher-parser: bad-json 1');
    expect(text).toContain(
      '1 stream-hour(s), 3 record(s) read: 0 balanced, 0 in flight, 1 missing, 0 over-counted; 1 log file(s) dead-lettered whole',
    );
    expect(formatAudit([])).toMatch(/^no counts in the range/);
  });
});
