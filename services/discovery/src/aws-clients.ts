import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { SourceCredentials } from '@trailstream/trail-bucket';

/** The clients discovery calls AWS with: a source that names a role (SOURCE_ROLES) gets its own. */
export interface AwsClients {
  sqsFor(queueUrl: string): SQSClient;
  /** For a polled bucket. */
  s3For(bucket: string): S3Client;
  destroy(): void;
}

/** Settings every client shares; `endpoint` and `credentials` only where a test hands them in. */
export interface AwsClientSettings {
  AWS_REGION: string;
  S3_FORCE_PATH_STYLE: boolean;
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

/**
 * SQS and S3 clients from settings, one per source with a role and one shared by the rest; sources
 * come from the configuration, so their number is bounded. The SDK retries throttling and 5xx with
 * backoff (adaptive mode).
 */
export function createAwsClients(
  settings: AwsClientSettings,
  sourceCredentials: SourceCredentials,
): AwsClients {
  const { AWS_REGION: region, endpoint, credentials } = settings;
  const options = { region, endpoint, credentials, maxAttempts: 5, retryMode: 'adaptive' };
  const s3Options = { ...options, forcePathStyle: settings.S3_FORCE_PATH_STYLE };
  const sqs = new SQSClient(options);
  const s3 = new S3Client(s3Options);
  const queues = new Map<string, SQSClient>();
  const buckets = new Map<string, S3Client>();
  return {
    sqsFor(queueUrl) {
      const assumed = sourceCredentials.forQueue(queueUrl);
      if (!assumed) return sqs;
      let client = queues.get(queueUrl);
      if (!client) queues.set(queueUrl, (client = new SQSClient({ ...options, credentials: assumed })));
      return client;
    },
    s3For(bucket) {
      const assumed = sourceCredentials.forBucket(bucket);
      if (!assumed) return s3;
      let client = buckets.get(bucket);
      if (!client) buckets.set(bucket, (client = new S3Client({ ...s3Options, credentials: assumed })));
      return client;
    },
    destroy() {
      for (const client of [sqs, s3, ...queues.values(), ...buckets.values()]) client.destroy();
      sourceCredentials.destroy();
    },
  };
}
