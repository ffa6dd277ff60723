import { parseRules } from '@trailstream/mapping';
import {
  AUDIT_CELL_HEADER,
  AuditLedger,
  type FailureReason,
  parseAuditCellHeader,
  type StageMessage,
  type TransactionOutput,
} from '@trailstream/runtime';
import { cloudTrailRecordContract, datadogOutputContract } from '@trailstream/schemas';
import type { Message } from 'kafkajs';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createRecordHandler } from './handle-record.js';
import { createFilterMapperMetrics } from './metrics.js';
import { NO_INCLUDE_RULE, RecordAudit } from './record-audit.js';

/** What the handler asked of the transaction. */
class RecordedOutput implements TransactionOutput {
  sent: { topic: string; messages: Message[] }[] = [];
  deadLetters: FailureReason[] = [];
  async send(topic: string, messages: Message[]) {
    this.sent.push({ topic, messages });
  }
  async deadLetter(reason: FailureReason) {
    this.deadLetters.push(reason);
  }
  async heartbeat() {}
  transactionFull() {
    return false;
  }
  async commitProgress() {}
}

const rules = parseRules(`
include: [{ name: changes, match: { readOnly: false } }]
exclude: [{ name: ci, match: { userIdentity.userName: ci } }]
`);

function setup() {
  const registry = new Registry();
  const metrics = createFilterMapperMetrics(registry);
  const handle = createRecordHandler({
    rules: () => rules,
    mapping: { mode: 'both', logService: 'cloudtrail' },
    outputTopic: 'out',
    metrics,
  });
  return { registry, handle };
}

function message(json: string | null): StageMessage {
  const encoded =
    json === null
      ? null
      : cloudTrailRecordContract.encode({
          eventID: 'e-1',
          eventTime: '2024-05-01T10:00:00Z',
          eventSource: 'ec2.amazonaws.com',
          eventName: 'RunInstances',
          awsRegion: 'eu-west-1',
          recipientAccountId: null,
          readOnly: false,
          errorCode: null,
          identityType: null,
          principal: null,
          sourceIPAddress: null,
          json,
          origin: { bucket: 'b', key: 'k', etag: null, index: 0 },
        });
  return {
    topic: 'in',
    partition: 0,
    offset: '7',
    key: null,
    value: encoded?.value ?? null,
    headers: encoded?.headers ?? {},
  };
}

const record = (userName: string) =>
  JSON.stringify({
    eventID: 'e-1',
    eventTime: '2024-05-01T10:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'RunInstances',
    awsRegion: 'eu-west-1',
    readOnly: false,
    userIdentity: { type: 'IAMUser', userName },
  });

describe('createRecordHandler', () => {
  it('sends the outputs keyed by eventID with their schema headers, and counts them', async () => {
    const { handle, registry } = setup();
    const output = new RecordedOutput();
    await handle(message(record('alice')), output);
    expect(output.deadLetters).toEqual([]);
    expect(output.sent).toHaveLength(1);
    const [{ topic, messages }] = output.sent as [{ topic: string; messages: Message[] }];
    expect(topic).toBe('out');
    const decoded = messages.map((m) => {
      expect(m.key).toBe('e-1');
      return datadogOutputContract.decode(m.value as Buffer, m.headers as Record<string, string>);
    });
    expect(decoded.map((o) => o.kind)).toEqual(['event', 'log']);
    const metrics = await registry.metrics();
    expect(metrics).toContain('trailstream_filter_mapper_records_total{decision="included"} 1');
    expect(metrics).toContain('trailstream_filter_mapper_rule_matches_total{rule="changes"} 1');
    expect(metrics).toContain('trailstream_filter_mapper_outputs_total{kind="log"} 1');
  });

  it('sends nothing for an excluded record', async () => {
    const { handle, registry } = setup();
    const output = new RecordedOutput();
    await handle(message(record('ci')), output);
    expect(output.sent).toEqual([{ topic: 'out', messages: [] }]);
    expect(await registry.metrics()).toContain('trailstream_filter_mapper_rule_matches_total{rule="ci"} 1');
  });

  it.each([
    ['an empty message', null, 'empty-message'],
    ['bytes that are not a record', 'not avro', 'undecodable-record'],
    ['a record that is not JSON', '{"eventID"', 'invalid-record'],
    [
      'a record whose eventTime is not a date',
      record('alice').replace('2024-05-01T10:00:00Z', 'not-a-date'),
      'invalid-record',
    ],
    [
      'a record nested 100,000 deep',
      record('alice').replace(
        /}$/,
        `,"requestParameters":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
      ),
      'record-too-deep',
    ],
  ])('dead-letters %s with its reason', async (_, json, reasonClass) => {
    const { handle, registry } = setup();
    const output = new RecordedOutput();
    const input = json === 'not avro' ? { ...message(null), value: Buffer.from(json) } : message(json);
    await handle(input, output);
    expect(output.sent).toEqual([]);
    expect(output.deadLetters).toEqual([{ reasonClass, reasonMessage: expect.any(String), attempts: 1 }]);
    expect(await registry.metrics()).toContain(
      'trailstream_filter_mapper_records_total{decision="dead-lettered"} 1',
    );
  });
});

describe('reconciliation counts', () => {
  const cellOfK = { stream: 's3://b/?', hour: 0 };

  function audited() {
    const registry = new Registry();
    const ledger = new AuditLedger({
      stage: 'filter-mapper',
      topic: 'audit',
      registry,
      retentionMs: Number.MAX_SAFE_INTEGER,
      dedupeByOffset: false,
    });
    const handle = createRecordHandler({
      rules: () => rules,
      mapping: { mode: 'events', logService: 'cloudtrail' },
      outputTopic: 'out',
      metrics: createFilterMapperMetrics(registry),
      audit: new RecordAudit(ledger),
    });
    const committed = () => {
      ledger.stage(0, '8');
      ledger.commit(0);
      return ledger.committedCounts(0, cellOfK);
    };
    return { handle, committed };
  }

  it('counts forwarded outputs, drops by rule name and dead letters, and tags outputs with the cell', async () => {
    const { handle, committed } = audited();
    const output = new RecordedOutput();
    await handle(message(record('alice')), output);
    await handle(message(record('ci')), output);
    await handle(message(record('bob').replace('"readOnly":false', '"readOnly":true')), output);
    await handle(message('{"eventID"'), output);
    expect(committed()).toEqual({
      'forwarded:event': 1,
      'dropped:ci': 1,
      [`dropped:${NO_INCLUDE_RULE}`]: 1,
      'dead-lettered:invalid-record': 1,
    });
    const [first] = output.sent[0]!.messages;
    expect(parseAuditCellHeader(first!.headers?.[AUDIT_CELL_HEADER] as Buffer | string)).toEqual(cellOfK);
  });

  it('counts nothing for a message that is no record', async () => {
    const { handle, committed } = audited();
    await handle(message(null), new RecordedOutput());
    expect(committed()).toBeUndefined();
  });
});
