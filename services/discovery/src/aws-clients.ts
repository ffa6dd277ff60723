import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';
import { clientsBySource, type SourceCredentials } from '@trailstream/trail-bucket';

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
  const queues = clientsBySource(
    new SQSClient(options),
    (queueUrl) => sourceCredentials.forQueue(queueUrl),
    (assumed) => new SQSClient({ ...options, credentials: assumed }),
  );
  const buckets = clientsBySource(
    new S3Client(s3Options),
    (bucket) => sourceCredentials.forBucket(bucket),
    (assumed) => new S3Client({ ...s3Options, credentials: assumed }),
  );
  return {
    sqsFor: (queueUrl) => queues.for(queueUrl),
    s3For: (bucket) => buckets.for(bucket),
    destroy() {
      for (const client of [...queues.all(), ...buckets.all()]) client.destroy();
      sourceCredentials.destroy();
    },
  };
}
