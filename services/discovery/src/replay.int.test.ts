import { PutObjectCommand } from '@aws-sdk/client-s3';
import { collectMessages, createTestBucket, createTestTopics, testKafka, testS3 } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { decodeRefs } from '../test/discovery-harness.js';
import { parsePollSource } from './poll-sources.js';
import { replayRange } from './replay.js';
import { rulesWith } from './test-rules.js';

const kafka = testKafka();
const s3 = testS3();

describe('replayRange against the emulator and Kafka', () => {
  it('emits every log file of a day range, marked replay, and nothing outside it', async () => {
    const { objects } = await createTestTopics(kafka, { objects: {} });
    const bucket = await createTestBucket(s3);
    const key = (account: string, day: string, time: string) =>
      `AWSLogs/${account}/CloudTrail/us-east-1/2024/03/${day}/${account}_CloudTrail_us-east-1_202403${day}T${time}Z_r.json.gz`;
    const inRange = [
      key('111122223333', '01', '2355'),
      key('111122223333', '02', '0000'),
      key('444455556666', '02', '1200'),
    ];
    const outside = [key('111122223333', '03', '0000')];
    const digest = `AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/03/02/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240302T000012Z.json.gz`;
    for (const name of [...inRange, ...outside, digest]) {
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: name, Body: '{}' }));
    }
    const source = parsePollSource(bucket);
    if (typeof source === 'string') throw new Error(source);

    const producer = kafka.producer();
    await producer.connect();
    try {
      const summary = await replayRange(
        s3,
        {
          source,
          region: 'us-east-1',
          from: { year: 2024, month: 3, day: 1 },
          to: { year: 2024, month: 3, day: 2 },
          rules: rulesWith(),
        },
        async (messages) => {
          await producer.send({ topic: objects, acks: -1, messages });
        },
      );
      expect(summary).toMatchObject({ streams: 2, references: 3 });
    } finally {
      await producer.disconnect();
    }
    const refs = decodeRefs(await collectMessages(kafka, objects, { until: (m) => m.length >= 3 }));
    expect(refs.map((ref) => ref.key).sort()).toEqual([...inRange].sort());
    expect(refs.every((ref) => ref.foundBy === 'replay' && ref.bucket === bucket && ref.size === 2)).toBe(
      true,
    );
  });
});
