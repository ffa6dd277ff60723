import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { cloudTrailRecordContract } from '@trailstream/schemas';
import {
  collectMessages,
  createTestBucket,
  createTestTopics,
  eventually,
  type ServiceProcess,
  startServiceProcess,
  syntheticTrail,
  testKafka,
  testS3,
  uniqueName,
} from '@trailstream/testkit';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const kafka = testKafka();
let fetcher: ServiceProcess | undefined;

afterAll(async () => {
  await fetcher?.stop();
});

/** A counter of the fetcher-parser's /metrics, 0 when the series does not exist yet. */
async function counter(port: number, series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('trailstream replay --force', () => {
  it('re-delivers an object the fetcher-parser already delivered; without --force it is skipped', async () => {
    const topics = await createTestTopics(kafka, {
      objects: {},
      records: {},
      dlq: {},
      seen: { compacted: true },
    });
    const s3 = testS3();
    const bucket = await createTestBucket(s3, 'force');
    const [object] = syntheticTrail({ files: 1, recordsPerFile: 5, start: new Date('2024-05-01T10:00:00Z') });
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: object!.key, Body: object!.body }));

    const env = {
      TOPIC_OBJECTS: topics.objects,
      TOPIC_RECORDS: topics.records,
      TOPIC_DLQ: topics.dlq,
      TOPIC_SEEN_OBJECTS: topics.seen,
    };
    fetcher = startServiceProcess('fetcher-parser', {
      ...env,
      KAFKA_GROUP_ID: uniqueName('fetcher'),
      TRANSACTIONAL_ID_PREFIX: uniqueName('fetcher-tx'),
    });
    const listening = await fetcher.waitForOutput(/health and metrics server listening/, 90_000);
    const port = (JSON.parse(listening) as { port: number }).port;
    await fetcher.waitForOutput(/duplicate-detection state restored/, 90_000);

    const dir = await mkdtemp(join(tmpdir(), 'replay-force-'));
    const replay = (name: string, ...extra: string[]) =>
      runCli(
        [
          'replay',
          '--source',
          bucket,
          '--since',
          '2024-05-01',
          '--until',
          '2024-05-01',
          '--position-file',
          join(dir, `${name}.json`),
          ...extra,
        ],
        env,
      );
    const eventIds = async (expected: number) =>
      (
        await collectMessages(kafka, topics.records, {
          until: (m) => m.length >= expected,
          timeoutMs: 60_000,
        })
      ).map((m) => cloudTrailRecordContract.decode(m.value!, m.headers).eventID);
    const objects = (outcome: string) =>
      counter(port, `trailstream_fetcher_objects_total{outcome="${outcome}"}`);

    const first = await replay('first');
    expect(first.code, first.stderr).toBe(0);
    const delivered = await eventIds(5);
    expect(delivered).toHaveLength(5);
    await eventually(async () => (await objects('processed')) === 1, { what: 'the first delivery' });

    const again = await replay('again');
    expect(again.code, again.stderr).toBe(0);
    await eventually(async () => (await objects('duplicate')) === 1, { what: 'the duplicate skipped' });
    expect(await eventIds(5)).toEqual(delivered);

    const forced = await replay('forced', '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toContain('marked to bypass the duplicate check');
    await eventually(async () => (await objects('processed')) === 2, { what: 'the forced delivery' });
    expect(await eventIds(10)).toEqual([...delivered, ...delivered]);
    expect(await counter(port, 'trailstream_fetcher_forced_references_total')).toBe(1);
    expect(await objects('duplicate')).toBe(1);
  });
});
