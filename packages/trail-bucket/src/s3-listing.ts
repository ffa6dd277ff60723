import { ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { bareEtag } from './etag.js';
import type { ListedObject } from './object-refs.js';

/** One ListObjectsV2 walk: a day folder, from a key on. */
export interface ListRequest {
  prefix: string;
  startAfter: string | undefined;
}

/** Called once per ListObjectsV2 request, so every caller's List calls are counted. */
export type OnListCall = () => void;

/** The child folders of a prefix: one `/`-delimited level, every page. */
export async function listChildFolders(
  s3: S3Client,
  bucket: string,
  prefix: string,
  onListCall: OnListCall,
): Promise<string[]> {
  const folders: string[] = [];
  let continuationToken: string | undefined;
  do {
    onListCall();
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        Delimiter: '/',
        ContinuationToken: continuationToken,
      }),
    );
    for (const common of page.CommonPrefixes ?? []) if (common.Prefix) folders.push(common.Prefix);
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
  return folders;
}

/**
 * The objects directly in a folder, from `startAfter` on, one ListObjectsV2 page (up to 1,000) at a
 * time: the next page is requested only when the caller asks for more. `beforeEachCall` runs before
 * every page, so a caller that loses the right to list (a rebalance) stops between pages.
 */
export async function* listFolderPages(
  s3: S3Client,
  bucket: string,
  request: ListRequest,
  onListCall: OnListCall,
  beforeEachCall: () => void = () => {},
): AsyncGenerator<ListedObject[]> {
  let continuationToken: string | undefined;
  do {
    beforeEachCall();
    onListCall();
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: request.prefix,
        Delimiter: '/',
        StartAfter: continuationToken ? undefined : request.startAfter,
        ContinuationToken: continuationToken,
      }),
    );
    const objects: ListedObject[] = [];
    for (const object of page.Contents ?? []) {
      if (!object.Key) continue;
      objects.push({ key: object.Key, size: object.Size ?? null, etag: bareEtag(object.ETag) || null });
    }
    yield objects;
    continuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (continuationToken);
}

/** Every object directly in a folder, from `startAfter` on (all pages of `listFolderPages`). */
export async function listFolderObjects(
  s3: S3Client,
  bucket: string,
  request: ListRequest,
  onListCall: OnListCall,
  beforeEachCall: () => void = () => {},
): Promise<ListedObject[]> {
  const objects: ListedObject[] = [];
  for await (const page of listFolderPages(s3, bucket, request, onListCall, beforeEachCall)) {
    objects.push(...page);
  }
  return objects;
}
