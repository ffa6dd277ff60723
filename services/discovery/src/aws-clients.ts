import { S3Client } from '@aws-sdk/client-s3';
import { SQSClient } from '@aws-sdk/client-sqs';

export interface AwsClients {
  sqs: SQSClient;
  s3: S3Client;
}

/** SQS and S3 clients from settings. The SDK retries throttling and 5xx with backoff (adaptive mode). */
export function createAwsClients(config: { AWS_REGION: string; S3_FORCE_PATH_STYLE: boolean }): AwsClients {
  const options = { region: config.AWS_REGION, maxAttempts: 5, retryMode: 'adaptive' };
  return {
    sqs: new SQSClient(options),
    s3: new S3Client({ ...options, forcePathStyle: config.S3_FORCE_PATH_STYLE }),
  };
}
