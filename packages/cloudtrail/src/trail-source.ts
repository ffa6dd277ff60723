import {
  type CloudTrailFileKind,
  type CloudTrailStream,
  classifyAwsLogsChild,
  isRegionName,
} from './key-layout.js';

/**
 * A trail in a bucket: the `AWSLogs/` folder (or one organization inside it) that discovery's poll mode,
 * replay and the CLI's `s3://` source walk.
 */
export interface TrailSource {
  bucket: string;
  /** Everything before `AWSLogs/`. */
  basePrefix: string;
  /** Set when the source names one organization: `AWSLogs/<o-id>/`. */
  organizationId: string | null;
}

const SOURCE_PREFIX = /^(?<base>(?:.*\/)?)AWSLogs\/(?:(?<organizationId>o-[a-z0-9]{10,32})\/)?$/;

/** Parses `bucket` or `bucket/prefix` where the prefix ends at `AWSLogs/` (default) or `AWSLogs/<o-id>/`. */
export function parseTrailSource(text: string): TrailSource | string {
  const slash = text.indexOf('/');
  const bucket = slash === -1 ? text : text.slice(0, slash);
  const prefix = slash === -1 ? 'AWSLogs/' : text.slice(slash + 1);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) return `"${bucket}" is not an S3 bucket name`;
  const groups = SOURCE_PREFIX.exec(prefix)?.groups;
  if (!groups) return `"${prefix}" must end with AWSLogs/ or AWSLogs/<organization id>/`;
  return { bucket, basePrefix: groups.base!, organizationId: groups.organizationId ?? null };
}

export function awsLogsPrefix(source: TrailSource): string {
  return `${source.basePrefix}AWSLogs/`;
}

/** The last path segment of a common prefix: `a/b/c/` → `c`. */
export function lastSegment(commonPrefix: string): string {
  return commonPrefix.split('/').at(-2) ?? '';
}

/** Organizations and accounts found under `AWSLogs/` (or an organization folder) by a delimiter listing. */
export function sortChildren(commonPrefixes: readonly string[]): {
  organizations: string[];
  accounts: string[];
} {
  const organizations: string[] = [];
  const accounts: string[] = [];
  for (const prefix of commonPrefixes) {
    const child = classifyAwsLogsChild(lastSegment(prefix));
    if (child.type === 'organization') organizations.push(child.organizationId);
    if (child.type === 'account') accounts.push(child.accountId);
  }
  return { organizations, accounts };
}

/** The streams of one account and kind, from the region folders a delimiter listing found. */
export function streamsFromRegionFolders(
  source: TrailSource,
  organizationId: string | null,
  accountId: string,
  kind: CloudTrailFileKind,
  commonPrefixes: readonly string[],
): CloudTrailStream[] {
  return commonPrefixes
    .map(lastSegment)
    .filter(isRegionName)
    .map((region) => ({ prefix: source.basePrefix, organizationId, accountId, region, kind }));
}
