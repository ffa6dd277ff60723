import { PutObjectCommand } from '@aws-sdk/client-s3';
import { everyAccountAndRegion, parseTrailSource } from '@trailstream/cloudtrail';
import type { ObjectRef } from '@trailstream/schemas';
import { createTestBucket, testS3 } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { replayRange } from './replay.js';

const s3 = testS3();

describe('replayRange against the emulator', () => {
  it('yields every log file of a day range, marked replay, one day folder at a time, and nothing outside it', async () => {
    const bucket = await createTestBucket(s3);
    const key = (account: string, day: string, time: string) =>
      `AWSLogs/${account}/CloudTrail/us-east-1/2024/03/${day}/${account}_CloudTrail_us-east-1_202403${day}T${time}Z_r.json.gz`;
    const inRange = [
      key('111122223333', '01', '2355'),
      key('111122223333', '02', '0000'),
      key('111122223333', '02', '0005'),
      key('444455556666', '02', '1200'),
    ];
    const outside = [key('111122223333', '03', '0000')];
    const digest = `AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/03/02/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240302T000012Z.json.gz`;
    for (const name of [...inRange, ...outside, digest]) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: name, Body: '{}' }));
    }
    const source = parseTrailSource(bucket);
    if (typeof source === 'string') throw new Error(source);

    const listing = replayRange(s3, {
      source,
      region: 'us-east-1',
      from: { year: 2024, month: 3, day: 1 },
      to: { year: 2024, month: 3, day: 2 },
      rules: everyAccountAndRegion(),
    });
    const steps: ObjectRef[][] = [];
    for await (const refs of listing) steps.push(refs);

    // Account 1 has a file on each day, account 2 only on the second: three day folders with files.
    expect(steps.map((refs) => refs.map((ref) => ref.key))).toEqual([
      [inRange[0]],
      [inRange[1], inRange[2]],
      [inRange[3]],
    ]);
    expect(
      steps.flat().every((ref) => ref.foundBy === 'replay' && ref.bucket === bucket && ref.size === 2),
    ).toBe(true);
    // AWSLogs/, each account's CloudTrail/ folder, and each account's two day folders.
    expect(listing.summary).toEqual({ streams: 2, references: 4, listCalls: 7, skipped: {} });
  });
});
