import { S3Client } from '@aws-sdk/client-s3';
import type { SourceCredentials } from '@trailstream/trail-bucket';

export interface IntegrityS3Clients {
  /** The client for a bucket: its own, with the assumed credentials, when SOURCE_ROLES names it. */
  forBucket(bucket: string): S3Client;
  destroy(): void;
}

/**
 * One client for the buckets read with the process's credentials and one per bucket SOURCE_ROLES names
 * (so as many as the configuration has entries, at most).
 */
export function integrityS3Clients(
  settings: { region: string; forcePathStyle: boolean },
  sourceCredentials: SourceCredentials,
): IntegrityS3Clients {
  const own = new S3Client(settings);
  const assumed = new Map<string, S3Client>();
  return {
    forBucket(bucket) {
      const credentials = sourceCredentials.forBucket(bucket);
      if (!credentials) return own;
      let client = assumed.get(bucket);
      if (!client) assumed.set(bucket, (client = new S3Client({ ...settings, credentials })));
      return client;
    },
    destroy() {
      for (const client of [own, ...assumed.values()]) client.destroy();
      sourceCredentials.destroy();
    },
  };
}
