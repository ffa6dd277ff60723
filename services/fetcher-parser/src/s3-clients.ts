import { S3Client } from '@aws-sdk/client-s3';
import type { FetcherConfig } from './config.js';

/**
 * One S3 client per bucket region (object references carry it). Retries are ours, by failure kind,
 * so the SDK's are off. An emulator endpoint (AWS_ENDPOINT_URL[_S3], read by the SDK) needs path-style.
 */
export function s3ClientsByRegion(config: FetcherConfig): (region: string) => S3Client {
  const clients = new Map<string, S3Client>();
  const forcePathStyle = Boolean(config.AWS_ENDPOINT_URL_S3 ?? config.AWS_ENDPOINT_URL);
  return (region) => {
    const name = region || config.AWS_REGION;
    let client = clients.get(name);
    if (!client) {
      client = new S3Client({
        region: name,
        forcePathStyle,
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 5_000, requestTimeout: config.S3_TIMEOUT_MS },
      });
      clients.set(name, client);
    }
    return client;
  };
}
