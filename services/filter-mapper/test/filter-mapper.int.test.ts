import { once } from 'node:events';
import { mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toCloudTrailRecord } from '@trailstream/cloudtrail';
import { defaultRulesPath, mapRecord, parseRules } from '@trailstream/mapping';
import {
  type CloudTrailRecord,
  cloudTrailRecordContract,
  type DatadogOutput,
  datadogOutputContract,
  deadLetterContract,
} from '@trailstream/schemas';
import {
  cloudTrailLogFiles,
  collectFor,
  collectMessages,
  createTestTopics,
  type ServiceProcess,
  startServiceProcess,
  testKafka,
  uniqueName,
} from '@trailstream/testkit';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** The real records of the invictus-ir trail, as the fetcher-parser would have produced them. */
async function trailRecords(): Promise<CloudTrailRecord[]> {
  const records: CloudTrailRecord[] = [];
  for (const path of cloudTrailLogFiles()) {
    const file = JSON.parse(await readFile(path, 'utf8')) as { Records: unknown[] };
    file.Records.forEach((record, index) => {
      records.push(
        toCloudTrailRecord(JSON.stringify(record), { bucket: 'trail', key: path, etag: null, index }),
      );
    });
  }
  return records;
}

async function produceRecords(kafka: Kafka, topic: string, records: CloudTrailRecord[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < records.length; i += 500) {
    await producer.send({
      topic,
      messages: records
        .slice(i, i + 500)
        .map((record) => ({ key: record.eventID, ...cloudTrailRecordContract.encode(record) })),
    });
  }
  await producer.disconnect();
}

/** Replaces the file in one step, as a ConfigMap update does, so a half-written file is never read. */
async function replaceFile(path: string, text: string): Promise<void> {
  await writeFile(`${path}.next`, text);
  await rename(`${path}.next`, path);
}

const decodeOutputs = (messages: { value: Buffer | null; headers?: object }[]): DatadogOutput[] =>
  messages.map((m) => datadogOutputContract.decode(m.value!, m.headers as never));

describe('filter-mapper service with the real Kafka', () => {
  let kafka: Kafka;
  let topics: Record<'records' | 'datadog' | 'dlq', string>;
  let rulesFile: string;
  let service: ServiceProcess | undefined;
  let env: Record<string, string>;

  beforeAll(async () => {
    kafka = testKafka();
    topics = await createTestTopics(kafka, {
      records: { partitions: 3 },
      datadog: { partitions: 3 },
      dlq: {},
    });
    rulesFile = join(await mkdtemp(join(tmpdir(), 'filter-mapper-')), 'rules.yaml');
    await writeFile(rulesFile, await readFile(defaultRulesPath, 'utf8'));
    env = {
      TOPIC_RECORDS: topics.records,
      TOPIC_DATADOG: topics.datadog,
      TOPIC_DLQ: topics.dlq,
      RULES_FILE: rulesFile,
      RULES_RELOAD_INTERVAL_MS: '200',
      KAFKA_GROUP_ID: uniqueName('filter-mapper'),
      TRANSACTIONAL_ID_PREFIX: uniqueName('filter-mapper'),
      CREATE_TOPICS: 'false',
    };
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('maps every record exactly once across a crash, and dead-letters what cannot map', async () => {
    const records = await trailRecords();
    const rules = parseRules(await readFile(defaultRulesPath, 'utf8'));
    const expected = records.flatMap(
      (r) => mapRecord(r.json, rules, { mode: 'events', logService: 'cloudtrail' }).outputs,
    );
    expect(expected.length).toBeGreaterThan(300);

    await produceRecords(kafka, topics.records, records);
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: topics.records,
      messages: [
        { key: 'not-avro', value: Buffer.from('not a record') },
        {
          key: 'no-time',
          ...cloudTrailRecordContract.encode({
            ...records[0]!,
            eventID: 'no-time',
            // A change the default rules select, without the fields an event needs.
            json: '{"eventID":"no-time","readOnly":false}',
          }),
        },
      ],
    });
    await producer.disconnect();

    service = startServiceProcess('filter-mapper', env);
    await service.waitForOutput(/filter-mapper started/);
    // Crash part-way: some transactions committed, one possibly open.
    await collectMessages(kafka, topics.datadog, { until: (m) => m.length >= 50, readUncommitted: true });
    expect(await service.stop('SIGKILL')).toBe('SIGKILL');

    service = startServiceProcess('filter-mapper', env);
    await service.waitForOutput(/filter-mapper started/);
    const outputs = decodeOutputs(
      await collectMessages(kafka, topics.datadog, {
        until: (m) => m.length >= expected.length,
        timeoutMs: 90_000,
      }),
    );
    const ids = outputs.map((o) => o.eventID);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.sort()).toEqual(expected.map((o) => o.eventID).sort());
    const byId = new Map(outputs.map((o) => [o.eventID, o]));
    for (const output of expected) expect(byId.get(output.eventID)).toEqual(output);

    const letters = (await collectMessages(kafka, topics.dlq, { until: (m) => m.length >= 2 })).map((m) =>
      deadLetterContract.decode(m.value!, m.headers as never),
    );
    expect(letters.map((l) => [l.originalKey?.toString(), l.reasonClass, l.stage]).sort()).toEqual([
      ['no-time', 'invalid-record', 'filter-mapper'],
      ['not-avro', 'undecodable-record', 'filter-mapper'],
    ]);
    // Nothing more arrives after everything was delivered once.
    expect(await collectFor(kafka, topics.datadog, 2_000)).toHaveLength(expected.length);
  }, 240_000);

  it('applies a valid rules change live, and keeps the rules through an invalid one', async () => {
    const port = Number(/"port":(\d+)/.exec(await service!.waitForOutput(/server listening/))![1]);
    const [template] = await trailRecords();
    const record = (eventID: string): CloudTrailRecord => {
      const json = JSON.stringify({
        ...JSON.parse(template!.json),
        eventID,
        readOnly: true,
        eventName: 'ListBuckets',
      });
      return toCloudTrailRecord(json, template!.origin);
    };

    await replaceFile(
      rulesFile,
      'include:\n  - name: list-buckets\n    match: { eventName: ListBuckets }\n    tags: [rules:live]\n',
    );
    await service!.waitForOutput(/rules change applied/, 10_000);
    await produceRecords(kafka, topics.records, [record('live-1')]);

    await replaceFile(rulesFile, 'include:\n  - name: broken\n    match:\n      eventName: /([a-z/\n');
    await service!.waitForOutput(/rules change ignored/, 10_000);
    await produceRecords(kafka, topics.records, [record('live-2')]);

    const isLive = (o: DatadogOutput) => o.eventID.startsWith('live-');
    const outputs = decodeOutputs(
      await collectMessages(kafka, topics.datadog, {
        until: (m) => decodeOutputs(m).filter(isLive).length >= 2,
      }),
    ).filter(isLive);
    expect(outputs.map((o) => [o.eventID, o.event?.tags.includes('rules:live')]).sort()).toEqual([
      ['live-1', true],
      ['live-2', true],
    ]);
    const ignored = service!.output.find((line) => /rules change ignored/.test(line))!;
    expect(ignored).toMatch(/rules\.yaml:4:\d+ include\[0\]\.match\.eventName: invalid regular expression/);

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/trailstream_filter_mapper_rules_reloads_total\{result="invalid"\} 1/);
    expect(metrics).toMatch(/trailstream_filter_mapper_rules_reloads_total\{result="applied"\} 1/);
    expect(metrics).toMatch(/trailstream_filter_mapper_rules_file_valid 0/);
  });

  it('refuses to start on an invalid rules file, naming the line', async () => {
    const badRules = join(await mkdtemp(join(tmpdir(), 'filter-mapper-')), 'bad.yaml');
    await writeFile(badRules, 'include:\n  - name: a\n    match: { eventName: x }\n    priority: urgent\n');
    const failing = startServiceProcess('filter-mapper', { ...env, RULES_FILE: badRules });
    // 'close' comes after the output is read to its end.
    await once(failing.child, 'close');
    expect(failing.child.exitCode).toBe(1);
    expect(failing.output.join('\n')).toMatch(/bad\.yaml:4:5 include\[0\]\.priority: Invalid option/);
  });
});
