import { S3Client } from '@aws-sdk/client-s3';
import { ObjectUnavailableError, type SourceCredentials } from '@trailstream/trail-bucket';

export interface S3Settings {
  /** For references that name no region. */
  defaultRegion: string;
  forcePathStyle: boolean;
  /** Socket idle timeout, also while the body streams. */
  timeoutMs: number;
}

// us-east-1, us-gov-west-1, us-isob-east-1, cn-north-1, eusc-de-east-1: partition, area, number.
const awsRegionName = /^[a-z]{2,4}(-[a-z]{2,4})?-[a-z]{4,9}-\d{1,2}$/;
/** More than AWS has regions (times the roles a deployment names); a reference can name any well-formed region, so the map is bounded. */
export const s3ClientsAtMost = 64;

/**
 * One S3 client per bucket region (object references carry it) and source role (SOURCE_ROLES names
 * buckets to read with an assumed role; the rest use the process's credentials), for well-formed
 * region names only: another name is the reference's fault, and dead-letters it. The least recently
 * used client is dropped beyond `s3ClientsAtMost`. Retries are ours, by failure kind, so the SDK's are off.
 */
export function s3ClientsByRegion(
  settings: S3Settings,
  sourceCredentials: SourceCredentials,
): (region: string, bucket: string) => S3Client {
  const clients = new Map<string, S3Client>();
  // Providers are one per role, so a role's number names it in the cache key.
  const roleNumbers = new Map<unknown, number>();
  return (region, bucket) => {
    const name = region || settings.defaultRegion;
    if (!awsRegionName.test(name)) {
      const reason = new Error(`region ${JSON.stringify(name.slice(0, 64))} is not an AWS region name`);
      throw new ObjectUnavailableError({ kind: 'permanent', reasonClass: 'bad-object-ref' }, 0, reason);
    }
    const credentials = sourceCredentials.forBucket(bucket);
    if (credentials && !roleNumbers.has(credentials)) roleNumbers.set(credentials, roleNumbers.size + 1);
    const key = credentials ? `${name} role ${roleNumbers.get(credentials)}` : name;
    let client = clients.get(key);
    if (client) clients.delete(key);
    else {
      client = new S3Client({
        region: name,
        forcePathStyle: settings.forcePathStyle,
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 5_000, requestTimeout: settings.timeoutMs },
        ...(credentials ? { credentials } : {}),
      });
      // Not destroyed: a fetch may still be streaming through it; its sockets close when idle.
      if (clients.size >= s3ClientsAtMost) clients.delete(clients.keys().next().value!);
    }
    clients.set(key, client);
    return client;
  };
}
