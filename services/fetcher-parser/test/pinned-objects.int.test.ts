import { CreateBucketCommand, PutBucketVersioningCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { CloudTrailRecord, DeadLetter, ObjectRef } from '@trailstream/schemas';
import { cloudTrailKey, collectMessages, type ServiceProcess } from '@trailstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  collectRecords,
  createFetcherRig,
  decodeDeadLetter,
  type FetcherRig,
  objectRef,
  sendRefs,
  startFetcher,
  waitForInputConsumed,
} from './fetcher-harness.js';

let rig: FetcherRig;
let service: ServiceProcess;

beforeAll(async () => {
  rig = await createFetcherRig();
  service = await startFetcher(rig);
});

afterAll(async () => {
  await service?.stop();
  await rig?.close();
});

const key = (name: string) =>
  cloudTrailKey('123456789012', 'us-east-1', new Date('2024-05-01T10:05:00Z'), name);
const cloudTrailFile = (...eventIDs: string[]) =>
  JSON.stringify({
    Records: eventIDs.map((eventID) => ({
      eventID,
      eventTime: '2024-05-01T10:00:00Z',
      eventSource: 's3.amazonaws.com',
      eventName: 'GetObject',
      awsRegion: 'us-east-1',
    })),
  });
const eventIDsOf = (records: CloudTrailRecord[], objectKey: string) =>
  records.filter((record) => record.origin.key === objectKey).map((record) => record.eventID);

/** Writes the object as S3 would announce it: the reference carries the ETag (and version id) S3 gave. */
async function write(bucket: string, objectKey: string, body: string): Promise<ObjectRef> {
  const put = await rig.s3.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: body }));
  return { ...objectRef(rig, objectKey, put.ETag ?? null), bucket, versionId: put.VersionId ?? null };
}

describe('GetObject reads the version that was notified', () => {
  it('a key rewritten between notification and fetch: dead letter with both ETags, current version once', async () => {
    const objectKey = key('rewritten');
    const first = await write(rig.bucket, objectKey, cloudTrailFile('first-1', 'first-2'));
    const second = await write(rig.bucket, objectKey, cloudTrailFile('second-1'));
    // The first notification reaches the fetcher after the rewrite; the second one follows it.
    await sendRefs(rig, [first, second]);

    const letters: DeadLetter[] = (
      await collectMessages(rig.kafka, rig.topics.dlq, {
        until: (all) => all.some((m) => m.key?.toString().endsWith(objectKey)),
        timeoutMs: 60_000,
      })
    ).map(decodeDeadLetter);
    await waitForInputConsumed(rig);
    const records = await collectRecords(rig, () => false, 2_000);

    expect(eventIDsOf(records, objectKey)).toEqual(['second-1']);
    const overwritten = letters.filter((letter) => letter.reasonClass === 'object-overwritten');
    expect(overwritten).toHaveLength(1);
    const bare = (etag: string | null) => etag!.replaceAll('"', '');
    expect(overwritten[0]!.reasonMessage).toContain(`notified ETag ${bare(first.etag)}`);
    expect(overwritten[0]!.reasonMessage).toContain(`current ETag ${bare(second.etag)}`);
    expect(overwritten[0]!.stage).toBe('fetcher-parser');

    const warning = service.output.find((line) => line.includes('object rewritten after its notification'));
    expect(warning).toBeDefined();
    expect(JSON.parse(warning!)).toMatchObject({
      level: 'warn',
      notifiedEtag: bare(first.etag),
      currentEtag: bare(second.etag),
    });
    const port = Number(/"port":(\d+)/.exec(await service.waitForOutput(/server listening/))![1]);
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(
      /trailstream_dead_letters_total\{stage="fetcher-parser",reason_class="object-overwritten"\} 1/,
    );
  });

  it('a versioned bucket: each notified version is read as it was written, once', async () => {
    const bucket = `${rig.bucket}-versioned`.slice(0, 63);
    await rig.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await rig.s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: 'Enabled' } }),
    );
    const objectKey = key('versioned');
    const first = await write(bucket, objectKey, cloudTrailFile('v1-1', 'v1-2'));
    const second = await write(bucket, objectKey, cloudTrailFile('v2-1'));
    expect(first.versionId).not.toBeNull();
    await sendRefs(rig, [first, second]);

    await collectRecords(rig, (all) => eventIDsOf(all, objectKey).length >= 3);
    await waitForInputConsumed(rig);
    const settled = await collectRecords(rig, () => false, 2_000);
    expect(eventIDsOf(settled, objectKey)).toEqual(['v1-1', 'v1-2', 'v2-1']);
  });
});
