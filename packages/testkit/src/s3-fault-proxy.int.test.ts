import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createTestBucket, createTestQueue, testS3, testSqs } from './aws.js';
import { type S3FaultProxy, startS3FaultProxy } from './s3-fault-proxy.js';

let proxy: S3FaultProxy | undefined;
afterEach(async () => {
  await proxy?.close();
  proxy = undefined;
});

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

describe('startS3FaultProxy', () => {
  it('throttles the next S3 requests with SlowDown, passes SQS through meanwhile, then forwards again', async () => {
    const { awsEndpoint, awsRegion } = inject('endpoints');
    const bucket = await createTestBucket(testS3(), 'proxy');
    await testS3().send(new PutObjectCommand({ Bucket: bucket, Key: 'a/b c.json', Body: '{"Records":[]}' }));
    const queue = await createTestQueue(testSqs(), 'proxy');
    proxy = await startS3FaultProxy({ target: awsEndpoint });
    const s3 = new S3Client({
      endpoint: proxy.url,
      region: awsRegion,
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    const sqs = new SQSClient({ endpoint: proxy.url, region: awsRegion, credentials, maxAttempts: 1 });
    const get = () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'a/b c.json' }));

    proxy.throttle(2);
    for (const _ of [1, 2]) {
      const failure = await get().then(
        () => undefined,
        (error: unknown) => error as { name: string; $metadata: { httpStatusCode?: number } },
      );
      expect(failure?.name).toBe('SlowDown');
      expect(failure?.$metadata.httpStatusCode).toBe(503);
      // SQS is never throttled, even while S3 throttles are pending.
      const attributes = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: queue.url, AttributeNames: ['QueueArn'] }),
      );
      expect(attributes.Attributes?.QueueArn).toBe(queue.arn);
    }
    expect(proxy.throttled).toBe(2);
    expect(proxy.pendingThrottles).toBe(0);
    const answer = await get();
    expect(await answer.Body?.transformToString()).toBe('{"Records":[]}');
  });
});
