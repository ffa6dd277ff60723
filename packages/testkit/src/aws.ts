import { CreateBucketCommand, PutBucketNotificationConfigurationCommand, S3Client } from '@aws-sdk/client-s3';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { inject } from 'vitest';
import { uniqueName } from './names.js';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export function testS3(): S3Client {
  const { awsEndpoint, awsRegion } = inject('endpoints');
  return new S3Client({ endpoint: awsEndpoint, region: awsRegion, credentials, forcePathStyle: true });
}

export function testSqs(): SQSClient {
  const { awsEndpoint, awsRegion } = inject('endpoints');
  return new SQSClient({ endpoint: awsEndpoint, region: awsRegion, credentials });
}

export async function createTestBucket(s3: S3Client, prefix = 'bucket'): Promise<string> {
  const bucket = uniqueName(prefix).slice(0, 63);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  return bucket;
}

export interface TestQueue {
  url: string;
  arn: string;
}

export async function createTestQueue(
  sqs: SQSClient,
  prefix = 'queue',
  attributes: Record<string, string> = {},
): Promise<TestQueue> {
  const name = uniqueName(prefix).slice(0, 80);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }));
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: QueueUrl!, AttributeNames: ['QueueArn'] }),
  );
  return { url: QueueUrl!, arn: Attributes!.QueueArn! };
}

/**
 * Wires a bucket to a queue as a trail bucket is wired: a queue policy that lets S3 send, and a bucket
 * notification for every created object. Saving it makes S3 send an `s3:TestEvent` first.
 */
export async function notifyQueueOnObjectCreated(
  s3: S3Client,
  sqs: SQSClient,
  bucket: string,
  queue: TestQueue,
): Promise<void> {
  await sqs.send(
    new SetQueueAttributesCommand({
      QueueUrl: queue.url,
      Attributes: {
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 's3.amazonaws.com' },
              Action: 'sqs:SendMessage',
              Resource: queue.arn,
            },
          ],
        }),
      },
    }),
  );
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: {
        QueueConfigurations: [{ QueueArn: queue.arn, Events: ['s3:ObjectCreated:*'] }],
      },
    }),
  );
}
