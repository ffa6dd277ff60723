import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { objectRefContract } from '@trailstream/schemas';
import {
  collectFor,
  collectMessages,
  createTestBucket,
  createTestTopics,
  syntheticTrail,
  testKafka,
  testS3,
} from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('trailstream replay', () => {
  it('enqueues every log file of a date range as replay references, and resumes from its position file', async () => {
    const kafka = testKafka();
    const s3 = testS3();
    const bucket = await createTestBucket(s3);
    const topics = await createTestTopics(kafka, { objects: { partitions: 3 } });
    // 2 accounts × 2 regions: four files at 23:55 on May 1, four at 00:00 on May 2, four on May 3.
    const trail = [
      ...syntheticTrail({
        files: 8,
        recordsPerFile: 2,
        regions: ['us-east-1', 'eu-west-1'],
        start: new Date('2024-05-01T23:55:00Z'),
      }),
      ...syntheticTrail({
        files: 4,
        recordsPerFile: 2,
        regions: ['us-east-1', 'eu-west-1'],
        start: new Date('2024-05-03T10:00:00Z'),
        seed: 'b',
      }),
    ];
    for (const object of trail)
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body }));
    const wanted = trail
      .filter((o) => /\/2024\/05\/0[12]\//.test(o.key))
      .map((o) => o.key)
      .sort();
    expect(wanted).toHaveLength(8);

    const dir = await mkdtemp(join(tmpdir(), 'replay-'));
    const positionFile = join(dir, 'position.json');
    const env = { TOPIC_OBJECTS: topics.objects };
    const args = [
      'replay',
      '--source',
      bucket,
      '--since',
      '2024-05-01',
      '--until',
      '2024-05-02',
      '--position-file',
      positionFile,
    ];

    // As if an earlier run was interrupted after May 1: only May 2 is enqueued now.
    await writeFile(
      positionFile,
      JSON.stringify({
        source: bucket,
        since: '2024-05-01',
        until: '2024-05-02',
        doneThrough: '2024-05-01',
        references: 4,
      }),
    );
    const resumed = await runCli(args, env);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain('resuming after 2024-05-01');
    const afterResume = await collectMessages(kafka, topics.objects, { until: (m) => m.length >= 4 });
    const refs = afterResume.map((m) => objectRefContract.decode(m.value!, m.headers));
    expect(refs).toHaveLength(4);
    expect(refs.map((r) => r.key).sort()).toEqual(wanted.filter((k) => k.includes('/2024/05/02/')));
    expect(refs.every((r) => r.foundBy === 'replay' && r.bucket === bucket)).toBe(true);
    expect(
      afterResume.every(
        (m) => m.key!.toString() === `s3://${bucket}/${objectRefContract.decode(m.value!, m.headers).key}`,
      ),
    ).toBe(true);
    expect(JSON.parse(await readFile(positionFile, 'utf8'))).toMatchObject({
      doneThrough: '2024-05-02',
      references: 8,
    });

    // Finished: running it again enqueues nothing more.
    const again = await runCli(args, env);
    expect(again.code, again.stderr).toBe(0);
    expect(await collectFor(kafka, topics.objects, 2_000)).toHaveLength(4);

    // A fresh position enqueues the whole range.
    const fresh = await runCli([...args.slice(0, -1), join(dir, 'other.json')], env);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(fresh.stderr).toContain('8 references enqueued');
  });

  it('refuses a position file of another replay, and bad dates', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'replay-'));
    const positionFile = join(dir, 'p.json');
    await writeFile(
      positionFile,
      JSON.stringify({
        source: 'other',
        since: '2024-01-01',
        until: '2024-01-02',
        doneThrough: null,
        references: 0,
      }),
    );
    const mismatch = await runCli([
      'replay',
      '--source',
      'my-bucket',
      '--since',
      '2024-05-01',
      '--until',
      '2024-05-02',
      '--position-file',
      positionFile,
    ]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toContain('belongs to another replay');
    const badDate = await runCli([
      'replay',
      '--source',
      'my-bucket',
      '--since',
      '2024-13-01',
      '--until',
      '2024-05-02',
    ]);
    expect(badDate.code).toBe(2);
    expect(badDate.stderr).toContain('--since expects a date as YYYY-MM-DD, got "2024-13-01"');
  });
});
