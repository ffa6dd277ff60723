import { readFile } from 'node:fs/promises';
import { CloudTrailClient, ListPublicKeysCommand } from '@aws-sdk/client-cloudtrail';
import {
  type CloudTrailPublicKey,
  cachedPublicKeys,
  fixedPublicKeys,
  type PublicKeySource,
  publicKeysFromResponse,
} from '@trailstream/cloudtrail';

/** A key file in the shape `aws cloudtrail list-public-keys --output json` writes, for air-gapped use and tests. */
export async function publicKeysFromFile(path: string): Promise<PublicKeySource> {
  const text = await readFile(path, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${path} is not JSON (expected the output of aws cloudtrail list-public-keys)`);
  }
  return fixedPublicKeys(publicKeysFromResponse(json));
}

/** Every page of CloudTrail's `ListPublicKeys` in a region. */
export async function listPublicKeys(client: CloudTrailClient): Promise<CloudTrailPublicKey[]> {
  const keys: CloudTrailPublicKey[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListPublicKeysCommand({ NextToken: nextToken }));
    keys.push(...publicKeysFromResponse(page));
    nextToken = page.NextToken;
  } while (nextToken);
  return keys;
}

/** CloudTrail's keys of each digest's region, asked at most once an hour per region. */
export function cloudTrailPublicKeys(): PublicKeySource {
  const clients = new Map<string, CloudTrailClient>();
  return cachedPublicKeys(
    (region) => {
      const client = clients.get(region) ?? new CloudTrailClient({ region });
      clients.set(region, client);
      return listPublicKeys(client);
    },
    { ttlMs: 3_600_000 },
  );
}
