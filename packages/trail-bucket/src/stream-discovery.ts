import type { S3Client } from '@aws-sdk/client-s3';
import {
  awsLogsPrefix,
  type CloudTrailFileKind,
  type CloudTrailStream,
  filteredOut,
  isAccountAllowed,
  type KeyFilterRules,
  kindFolder,
  sortChildren,
  streamsFromRegionFolders,
  type TrailSource,
} from '@trailstream/cloudtrail';
import { listChildFolders, type OnListCall } from './s3-listing.js';

/**
 * Finds the account × region folders of a source with delimiter listings: one call for `AWSLogs/`, one
 * per organization, one per account and kind. Organization trails are walked like plain ones. The kinds
 * are those the rules forward unless named (integrity validation also walks digests).
 */
export async function discoverStreams(
  s3: S3Client,
  source: TrailSource,
  rules: KeyFilterRules,
  onListCall: OnListCall,
  kinds: readonly CloudTrailFileKind[] = rules.includeInsights ? ['log', 'insight'] : ['log'],
): Promise<CloudTrailStream[]> {
  const root = awsLogsPrefix(source);
  const accounts: { organizationId: string | null; accountId: string; folder: string }[] = [];
  const addAccounts = async (organizationId: string | null) => {
    const folder = organizationId ? `${root}${organizationId}/` : root;
    const children = sortChildren(await listChildFolders(s3, source.bucket, folder, onListCall));
    for (const accountId of children.accounts)
      accounts.push({ organizationId, accountId, folder: `${folder}${accountId}/` });
    return children.organizations;
  };
  if (source.organizationId) {
    await addAccounts(source.organizationId);
  } else {
    for (const organizationId of await addAccounts(null)) await addAccounts(organizationId);
  }

  const streams: CloudTrailStream[] = [];
  for (const account of accounts) {
    if (!isAccountAllowed(account.accountId, rules)) continue;
    for (const kind of kinds) {
      const regionFolders = await listChildFolders(
        s3,
        source.bucket,
        `${account.folder}${kindFolder(kind)}/`,
        onListCall,
      );
      const found = streamsFromRegionFolders(
        source,
        account.organizationId,
        account.accountId,
        kind,
        regionFolders,
      );
      streams.push(...found.filter((stream) => filteredOut(stream, rules) === null));
    }
  }
  return streams;
}
