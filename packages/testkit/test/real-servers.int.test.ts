import { gunzipSync, gzipSync } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import {
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import { describe, expect, it } from 'vitest';
import {
  createTestBucket,
  createTestQueue,
  notifyQueueOnObjectCreated,
  testS3,
  testSqs,
} from '../src/index.js';

const s3 = testS3();
const sqs = testSqs();

async function receiveAll(url: string, want: number, timeoutMs = 20_000): Promise<Message[]> {
  const received: Message[] = [];
  const deadline = Date.now() + timeoutMs;
  while (received.length < want && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    received.push(...Messages);
  }
  return received;
}

describe('the S3/SQS emulator', () => {
  it('stores and returns a gzip object byte for byte, under a key with spaces and unicode', async () => {
    const bucket = await createTestBucket(s3);
    const key = 'AWSLogs/123456789012/CloudTrail/eu-west-1/2024/05/01/a file ü.json.gz';
    const body = gzipSync(JSON.stringify({ Records: [{ eventID: 'e1' }] }));
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
    const got = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const bytes = Buffer.from(await got.Body!.transformToByteArray());
    expect(bytes.equals(body)).toBe(true);
    expect(JSON.parse(gunzipSync(bytes).toString())).toEqual({ Records: [{ eventID: 'e1' }] });
  });

  it('sends, receives and deletes an SQS message', async () => {
    const queue = await createTestQueue(sqs);
    await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"hello":"world"}' }));
    const [message] = await receiveAll(queue.url, 1);
    expect(message?.Body).toBe('{"hello":"world"}');
    await sqs.send(new DeleteMessageCommand({ QueueUrl: queue.url, ReceiptHandle: message!.ReceiptHandle! }));
    expect(await receiveAll(queue.url, 1, 2_000)).toEqual([]);
  });

  it('delivers an S3 PutObject to SQS through a bucket notification', async () => {
    const bucket = await createTestBucket(s3);
    const queue = await createTestQueue(sqs);
    await notifyQueueOnObjectCreated(s3, sqs, bucket, queue);
    const key = 'AWSLogs/123456789012/CloudTrail/us-east-1/2024/05/01/file with space.json.gz';
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: gzipSync('{"Records":[]}') }));

    const messages = await receiveAll(queue.url, 2);
    const bodies = messages.map((m) => JSON.parse(m.Body!));
    // Saving the configuration sends a test event first; then the object's own notification.
    expect(bodies.some((b) => b.Event === 's3:TestEvent')).toBe(true);
    const created = bodies.find((b) => Array.isArray(b.Records));
    expect(created.Records[0].eventName).toMatch(/^ObjectCreated:/);
    expect(created.Records[0].s3.bucket.name).toBe(bucket);
    expect(decodeURIComponent(created.Records[0].s3.object.key.replace(/\+/g, ' '))).toBe(key);
  });
});
