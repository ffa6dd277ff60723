import { S3Client } from '@aws-sdk/client-s3';

export interface S3Settings {
  /** For references that name no region. */
  defaultRegion: string;
  forcePathStyle: boolean;
  /** Socket idle timeout, also while the body streams. */
  timeoutMs: number;
}

/** One S3 client per bucket region (object references carry it). Retries are ours, by failure kind, so the SDK's are off. */
export function s3ClientsByRegion(settings: S3Settings): (region: string) => S3Client {
  const clients = new Map<string, S3Client>();
  return (region) => {
    const name = region || settings.defaultRegion;
    let client = clients.get(name);
    if (!client) {
      client = new S3Client({
        region: name,
        forcePathStyle: settings.forcePathStyle,
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 5_000, requestTimeout: settings.timeoutMs },
      });
      clients.set(name, client);
    }
    return client;
  };
}
