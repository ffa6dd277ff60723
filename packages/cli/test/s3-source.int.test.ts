import { PutObjectCommand } from '@aws-sdk/client-s3';
import { parseTrailSource, readObjectRecords } from '@trailstream/cloudtrail';
import { cloudTrailKey, createTestBucket, syntheticTrail, testS3 } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { s3Source } from '../src/embedded/object-sources.js';

const dayFolder = /\/\d{4}\/\d{2}\/\d{2}\/$/;

describe('the S3 source of trailstream run', () => {
  it('reads the first file before the later day folders are listed', async () => {
    const s3 = testS3();
    // Watches the real client's requests to the emulator: which prefixes were listed, in order.
    const listed: string[] = [];
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListObjectsV2Command')
          listed.push((args.input as { Prefix?: string }).Prefix ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'recordListPrefixes' },
    );
    const bucket = await createTestBucket(s3);
    const days = ['2024-05-01', '2024-05-02', '2024-05-03'];
    const trail = days.flatMap((day, index) => [
      ...syntheticTrail({
        files: 1,
        recordsPerFile: 3,
        accounts: ['111122223333'],
        regions: ['eu-west-1'],
        start: new Date(`${day}T12:00:00Z`),
        seed: `day-${index}`,
      }),
    ]);
    for (const object of trail) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: object.key, Body: object.body }));
    }
    const source = parseTrailSource(bucket);
    if (typeof source === 'string') throw new Error(source);

    const reads: { key: string; records: number; dayFoldersListed: number }[] = [];
    const objects = s3Source(s3, {
      source,
      region: 'us-east-1',
      from: { year: 2024, month: 5, day: 1 },
      to: { year: 2024, month: 5, day: 3 },
      includeInsights: false,
    });
    for await (const object of objects.objects()) {
      let records = 0;
      for await (const _ of readObjectRecords(await object.open())) records++;
      reads.push({
        key: object.ref.key,
        records,
        dayFoldersListed: listed.filter((prefix) => dayFolder.test(prefix)).length,
      });
    }

    expect(reads).toEqual(
      trail.map((object, index) => ({ key: object.key, records: 3, dayFoldersListed: index + 1 })),
    );
    expect(listed.filter((prefix) => dayFolder.test(prefix))).toHaveLength(days.length);
  });

  it('hands on the first page of a busy day folder before the next page is listed', async () => {
    const s3 = testS3();
    const dayListCalls: string[] = [];
    s3.middlewareStack.add(
      (next, context) => async (args) => {
        const prefix = (args.input as { Prefix?: string }).Prefix ?? '';
        if (context.commandName === 'ListObjectsV2Command' && dayFolder.test(prefix))
          dayListCalls.push(prefix);
        return next(args);
      },
      { step: 'initialize', name: 'recordDayListings' },
    );
    const bucket = await createTestBucket(s3);
    // A busy account: 1,001 files in one day folder, more than one ListObjectsV2 page (1,000).
    const [file] = [
      ...syntheticTrail({
        files: 1,
        recordsPerFile: 1,
        accounts: ['111122223333'],
        regions: ['eu-west-1'],
        start: new Date('2024-05-01T00:05:00Z'),
        seed: 'busy',
      }),
    ];
    const keys = Array.from({ length: 1_001 }, (_, index) =>
      cloudTrailKey(
        '111122223333',
        'eu-west-1',
        new Date(Date.UTC(2024, 4, 1, 0, index % 1_440)),
        `f${index}`,
      ),
    );
    for (let start = 0; start < keys.length; start += 50) {
      await Promise.all(
        keys
          .slice(start, start + 50)
          .map((key) => s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: file!.body }))),
      );
    }
    const source = parseTrailSource(bucket);
    if (typeof source === 'string') throw new Error(source);
    const objects = s3Source(s3, {
      source,
      region: 'us-east-1',
      from: { year: 2024, month: 5, day: 1 },
      to: { year: 2024, month: 5, day: 1 },
      includeInsights: false,
    });
    const dayListCallsAtRead: number[] = [];
    for await (const _object of objects.objects()) dayListCallsAtRead.push(dayListCalls.length);
    expect(dayListCallsAtRead).toHaveLength(1_001);
    expect(dayListCallsAtRead[0]).toBe(1);
    expect(dayListCallsAtRead.at(-1)).toBe(2);
  }, 180_000);
});
