import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { eventLimits } from '@trailstream/datadog';
import { createTestBucket, startDatadogIntake, testS3 } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { sampleTrailFolder } from '../src/commands/run.js';
import { runCli } from './run-cli.js';

const sampleDay = 'AWSLogs/218007301253/CloudTrail/us-east-1/2023/07/10';

function summaryValue(stderr: string, label: string): string {
  return new RegExp(`^  ${label} +(.*)$`, 'm').exec(stderr)?.[1] ?? '';
}

/** The summary's record lines, which must add up to the records read. */
function recordOutcomes(stderr: string): Record<string, number> {
  const outcomes: Record<string, number> = {};
  for (const [, label, count] of stderr.matchAll(/^ {4}(\S.*?) {2,}(\d+)/gm))
    outcomes[label!] = Number(count);
  return outcomes;
}

function expectSummaryAddsUp(stderr: string): Record<string, number> {
  const outcomes = recordOutcomes(stderr);
  expect(Object.keys(outcomes)).toEqual([
    'sent as event and log',
    'sent as event only',
    'sent as log only',
    'dropped by the rules',
    'dead letters',
  ]);
  const sum = Object.values(outcomes).reduce((a, b) => a + b, 0);
  expect(sum).toBe(Number(summaryValue(stderr, 'records')));
  return outcomes;
}

describe('trailstream run (npm start)', () => {
  it('prints the events the bundled trail becomes, one Datadog event body per line, and a summary', async () => {
    const result = await runCli(['run']);
    expect(result.code, result.stderr).toBe(0);
    const events = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    // The sample's SOURCE.md: 55 files, 2,900 records.
    expect(summaryValue(result.stderr, 'files')).toMatch(/^55 read; unreadable: none/);
    expect(summaryValue(result.stderr, 'records')).toBe('2900');
    expect(summaryValue(result.stderr, 'events')).toBe(String(events.length));
    expect(expectSummaryAddsUp(result.stderr)['sent as event only']).toBe(events.length);
    expect(events.length).toBeGreaterThan(100);
    for (const event of events) {
      expect(event.title.length).toBeLessThanOrEqual(eventLimits.titleChars);
      expect(event.text.length).toBeLessThanOrEqual(eventLimits.textChars);
      expect(event.source_type_name).toBe('cloudtrail');
      expect(event.tags).toContain('region:us-east-1');
    }
    // Failed calls are events with alert type error; the trail is from 2023, so each is re-dated and tagged late.
    expect(
      events.some((e) => e.alert_type === 'error' && e.tags.some((t: string) => t.startsWith('error_code:'))),
    ).toBe(true);
    expect(events.every((e) => e.tags.includes('trailstream_late:true'))).toBe(true);
  });

  it('in logs mode prints every record as a log entry', async () => {
    const result = await runCli(['run', '--mode', 'logs']);
    expect(result.code, result.stderr).toBe(0);
    const logs = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(logs).toHaveLength(2900);
    // The Forwarder's shape: the record's own fields at the top level.
    expect(logs[0]).toMatchObject({
      eventID: expect.any(String),
      ddsource: 'cloudtrail',
      ddsourcecategory: 'aws',
      service: 'cloudtrail',
      aws: { s3: { bucket: 'local', key: expect.stringContaining('CloudTrail') } },
    });
    expect(logs[0]).not.toHaveProperty('message');
    const outcomes = expectSummaryAddsUp(result.stderr);
    expect(outcomes['sent as log only']).toBe(2900);
    expect(summaryValue(result.stderr, 'logs')).toBe('2900');
  });

  it('in both mode the summary adds up too: events with their logs, the rest logs only', async () => {
    const result = await runCli(['run', '--mode', 'both']);
    expect(result.code, result.stderr).toBe(0);
    const outcomes = expectSummaryAddsUp(result.stderr);
    expect(outcomes['sent as event and log']).toBe(Number(summaryValue(result.stderr, 'events')));
    expect(outcomes['sent as event and log']! + outcomes['sent as log only']!).toBe(
      Number(summaryValue(result.stderr, 'logs')),
    );
  });

  it('reads the same trail from an S3 bucket, enumerated like discovery does', async () => {
    const s3 = testS3();
    const bucket = await createTestBucket(s3);
    const folder = join(sampleTrailFolder, sampleDay);
    for (const name of await readdir(folder)) {
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: `${sampleDay}/${name}`,
          Body: await readFile(join(folder, name)),
        }),
      );
    }
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: 'AWSLogs/218007301253/CloudTrail-Digest/us-east-1/2023/07/10/218007301253_CloudTrail-Digest_us-east-1_x_us-east-1_20230710T120000Z.json.gz',
        Body: 'digest',
      }),
    );
    const local = await runCli(['run']);
    const fromS3 = await runCli([
      'run',
      '--from',
      `s3://${bucket}`,
      '--since',
      '2023-07-10',
      '--until',
      '2023-07-10',
    ]);
    expect(fromS3.code, fromS3.stderr).toBe(0);
    expect(summaryValue(fromS3.stderr, 'records')).toBe('2900');
    const titles = (out: string) =>
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).title)
        .sort();
    expect(titles(fromS3.stdout)).toEqual(titles(local.stdout));
  });

  it('sends to Datadog instead of printing when a key is given, and refuses a key Datadog refuses', async () => {
    const intake = await startDatadogIntake({ apiKeys: ['right-key-0123456789'] });
    try {
      const printed = await runCli(['run', '--mode', 'both']);
      const sent = await runCli(['run', '--mode', 'both', '--dd-url', intake.url], {
        DD_API_KEY: 'right-key-0123456789',
      });
      expect(sent.code, sent.stderr).toBe(0);
      expect(sent.stdout).toBe('');
      const events = Number(summaryValue(sent.stderr, 'events'));
      const logs = Number(summaryValue(sent.stderr, 'logs'));
      expect(logs).toBe(2900);
      expect(summaryValue(sent.stderr, 'datadog')).toBe(`${events + logs} accepted, 0 refused`);
      const snapshot = intake.snapshot();
      expect(snapshot.events).toHaveLength(events);
      expect(snapshot.logs).toHaveLength(logs);
      expect(snapshot.rejections).toEqual([]);
      // The same bodies the printing run showed, apart from the delivery-time date of these late items.
      const titles = (items: { title: unknown }[]) => items.map((e) => String(e.title)).sort();
      const printedEvents = printed.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .filter((p) => 'title' in p);
      expect(titles(snapshot.events.map((e) => e.payload as { title: unknown }))).toEqual(
        titles(printedEvents),
      );
      expect(sent.stderr).not.toContain('right-key-0123456789');

      const refused = await runCli(['run', '--dd-url', intake.url], { DD_API_KEY: 'wrong-key-0123456789' });
      expect(refused.code).toBe(2);
      expect(refused.stderr).toContain('Datadog refused the API key (HTTP 403)');
      expect(refused.stderr).not.toContain('wrong-key-0123456789');
    } finally {
      await intake.close();
    }
  });

  it('reports an unreadable file and goes on with the rest', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'trail-'));
    const good = (await readdir(join(sampleTrailFolder, sampleDay)))[0]!;
    const bytes = await readFile(join(sampleTrailFolder, sampleDay, good));
    await writeFile(join(folder, 'good.json.gz'), bytes);
    await writeFile(join(folder, 'truncated.json.gz'), bytes.subarray(0, bytes.length / 2));
    await writeFile(join(folder, 'not-json.json'), 'hello');
    const result = await runCli(['run', '--from', folder, '--mode', 'logs']);
    expect(result.code, result.stderr).toBe(0);
    expect(summaryValue(result.stderr, 'files')).toMatch(
      /^3 read; unreadable: (not-json=1, truncated-gzip=1|truncated-gzip=1, not-json=1)/,
    );
    expect(result.stderr).toContain('skipped truncated.json.gz: truncated-gzip');
  });

  it('dead-letters a bad record and one nested 100,000 deep alone, delivers the rest, and counts them by reason', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'trail-'));
    const record = (i: number) =>
      JSON.stringify({
        eventID: `e-${i}`,
        eventTime: '2024-05-01T10:00:00Z',
        eventSource: 'ec2.amazonaws.com',
        eventName: 'RunInstances',
        awsRegion: 'us-east-1',
        readOnly: false,
      });
    const file = (bad: (i: number) => string | null) =>
      gzipSync(`{"Records":[${Array.from({ length: 1_000 }, (_, i) => bad(i) ?? record(i)).join(',')}]}`);
    const noEventId = (i: number) => record(i).replace(`"eventID":"e-${i}",`, '');
    await writeFile(
      join(folder, 'no-id.json.gz'),
      file((i) => (i === 417 ? noEventId(i) : null)),
    );
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    await writeFile(
      join(folder, 'deep.json.gz'),
      file((i) => (i === 600 ? record(i).replace(/}$/, `,"requestParameters":${deep}}`) : null)),
    );
    await writeFile(
      join(folder, 'after.json.gz'),
      file(() => null),
    );
    const result = await runCli(['run', '--from', folder, '--mode', 'logs']);
    expect(result.code, result.stderr).toBe(0);
    const logs = result.stdout.trim().split('\n');
    expect(logs, result.stderr).toHaveLength(2_998);
    expect(expectSummaryAddsUp(result.stderr)['dead letters']).toBe(2);
    expect(result.stderr).toMatch(
      /^ {4}dead letters +2: (invalid-record=1, record-too-deep=1|record-too-deep=1, invalid-record=1) /m,
    );
    expect(result.stderr).toContain('skipped record 417 of no-id.json.gz: invalid-record');
    expect(result.stderr).toContain('skipped record 600 of deep.json.gz: record-too-deep');
  });

  it('refuses bad options and bad rules with a clear message', async () => {
    const mode = await runCli(['run', '--mode', 'metrics']);
    expect(mode.code).toBe(2);
    expect(mode.stderr).toContain('--mode expects one of events, logs, both, got "metrics"');
    const folder = await mkdtemp(join(tmpdir(), 'rules-'));
    const rules = join(folder, 'rules.yaml');
    await writeFile(rules, 'include:\n  - name: x\n    match:\n      eventSource: [\n');
    const bad = await runCli(['run', '--rules', rules]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/rules\.yaml:\d+:\d+/);
    const missing = await runCli(['run', '--from', 's3://Not_A_Bucket']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('is not an S3 bucket name');
  });
});
