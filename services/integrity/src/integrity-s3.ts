import { S3Client } from '@aws-sdk/client-s3';
import { clientsBySource, type SourceCredentials } from '@trailstream/trail-bucket';

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
  const clients = clientsBySource(
    new S3Client(settings),
    (bucket) => sourceCredentials.forBucket(bucket),
    (credentials) => new S3Client({ ...settings, credentials }),
  );
  return {
    forBucket: (bucket) => clients.for(bucket),
    destroy() {
      for (const client of clients.all()) client.destroy();
      sourceCredentials.destroy();
    },
  };
}
