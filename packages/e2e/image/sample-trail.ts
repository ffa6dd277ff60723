import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import {
  createTestBucket,
  createTestQueue,
  notifyQueueOnObjectCreated,
  testS3,
  testSqs,
} from '@trailstream/testkit';
import { sampleTrailKeys, sampleTrailRoot } from './docker.js';

export interface SampleTrailBucket {
  bucket: string;
  queueUrl: string;
  /** Uploads the sample trail's files as CloudTrail delivers them (gzip); each notifies the queue. */
  upload(): Promise<number>;
}

/** A trail bucket of the run's own in the S3/SQS emulator, wired to a queue as deploy/aws/ wires one. */
export async function sampleTrailBucket(prefix: string): Promise<SampleTrailBucket> {
  const s3 = testS3();
  const sqs = testSqs();
  const bucket = await createTestBucket(s3, prefix);
  const queue = await createTestQueue(sqs, prefix);
  await notifyQueueOnObjectCreated(s3, sqs, bucket, queue);
  return {
    bucket,
    queueUrl: queue.url,
    async upload() {
      const keys = sampleTrailKeys();
      for (const key of keys) {
        await s3.send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: readFileSync(join(sampleTrailRoot, key)),
            ContentType: 'application/json',
            ContentEncoding: 'gzip',
          }),
        );
      }
      return keys.length;
    },
  };
}
