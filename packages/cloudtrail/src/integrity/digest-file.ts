import { type EncodedMessage, type ObjectRef, objectRefContract } from '@trailstream/schemas';
import { isRegionName } from '../key-layout.js';

/** A digest file or its signature is unusable as delivered: the digest counts as invalid. */
export class DigestFormatError extends Error {
  override readonly name = 'DigestFormatError';
}

/** One log file a digest lists, with the SHA-256 (hex) of its inflated bytes. */
export interface DigestLogFile {
  s3Bucket: string;
  s3Object: string;
  hashValue: string;
}

/** The fields of a CloudTrail digest file that validation reads (CloudTrail user guide, "digest file structure"). */
export interface DigestFile {
  awsAccountId: string;
  digestStartTime: string;
  digestEndTime: string;
  digestS3Bucket: string;
  digestS3Object: string;
  digestPublicKeyFingerprint: string;
  digestSignatureAlgorithm: string;
  previousDigestS3Bucket: string | null;
  previousDigestS3Object: string | null;
  previousDigestHashValue: string | null;
  previousDigestSignature: string | null;
  logFiles: DigestLogFile[];
}

const REQUIRED_STRINGS = [
  'awsAccountId',
  'digestStartTime',
  'digestEndTime',
  'digestS3Bucket',
  'digestS3Object',
  'digestPublicKeyFingerprint',
  'digestSignatureAlgorithm',
] as const;
const NULLABLE_STRINGS = [
  'previousDigestS3Bucket',
  'previousDigestS3Object',
  'previousDigestHashValue',
  'previousDigestSignature',
] as const;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads an inflated digest file; a missing field or a wrong type is a `DigestFormatError`. */
export function parseDigestFile(inflated: Uint8Array): DigestFile {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(inflated).toString('utf8'));
  } catch {
    throw new DigestFormatError('the digest is not JSON');
  }
  if (!isObject(json)) throw new DigestFormatError('the digest is not a JSON object');
  for (const field of REQUIRED_STRINGS) {
    if (typeof json[field] !== 'string') throw new DigestFormatError(`the digest has no ${field}`);
  }
  for (const field of NULLABLE_STRINGS) {
    const value = json[field];
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new DigestFormatError(`the digest's ${field} is not a string`);
    }
  }
  const logFiles = json.logFiles;
  if (!Array.isArray(logFiles)) throw new DigestFormatError('the digest has no logFiles list');
  const parsedLogFiles = logFiles.map((entry: unknown, index): DigestLogFile => {
    if (
      !isObject(entry) ||
      typeof entry.s3Bucket !== 'string' ||
      typeof entry.s3Object !== 'string' ||
      typeof entry.hashValue !== 'string'
    ) {
      throw new DigestFormatError(`logFiles[${index}] lacks s3Bucket, s3Object or hashValue`);
    }
    return { s3Bucket: entry.s3Bucket, s3Object: entry.s3Object, hashValue: entry.hashValue.toLowerCase() };
  });
  const text = (field: (typeof REQUIRED_STRINGS)[number]) => json[field] as string;
  const nullable = (field: (typeof NULLABLE_STRINGS)[number]) => (json[field] as string | undefined) ?? null;
  return {
    awsAccountId: text('awsAccountId'),
    digestStartTime: text('digestStartTime'),
    digestEndTime: text('digestEndTime'),
    digestS3Bucket: text('digestS3Bucket'),
    digestS3Object: text('digestS3Object'),
    digestPublicKeyFingerprint: text('digestPublicKeyFingerprint'),
    digestSignatureAlgorithm: text('digestSignatureAlgorithm'),
    previousDigestS3Bucket: nullable('previousDigestS3Bucket'),
    previousDigestS3Object: nullable('previousDigestS3Object'),
    previousDigestHashValue: nullable('previousDigestHashValue'),
    previousDigestSignature: nullable('previousDigestSignature'),
    logFiles: parsedLogFiles,
  };
}

/**
 * One digest chain: CloudTrail signs one per account × region × trail every hour. The log files of the
 * account × region are shared by every trail writing there.
 */
export interface DigestStream {
  /** Everything before `AWSLogs/`. */
  prefix: string;
  organizationId: string | null;
  accountId: string;
  region: string;
  trailName: string;
  trailHomeRegion: string;
}

export interface DigestKey {
  stream: DigestStream;
  /** The time in the name: the digest's end time (epoch ms). */
  endTime: number;
}

const DIGEST_KEY =
  /^(?<prefix>(?:.*\/)?)AWSLogs\/(?:(?<organizationId>o-[a-z0-9]{10,32})\/)?(?<accountId>\d{12})\/CloudTrail-Digest\/(?<region>[a-z0-9-]+)\/\d{4}\/\d{2}\/\d{2}\/(?<nameAccount>\d{12})_CloudTrail-Digest_(?<nameRegion>[a-z0-9-]+)_(?<trailName>.+)_(?<homeRegion>[a-z]{2,}(?:-[a-z]+)+-\d+)_(?<stamp>\d{8}T\d{6}Z)\.json\.gz$/;

/**
 * `…AWSLogs/[o-id/]<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail>_<home region>_<YYYYMMDDTHHmmssZ>.json.gz`,
 * or null when the key is not a digest's.
 */
export function parseDigestKey(key: string): DigestKey | null {
  const groups = DIGEST_KEY.exec(key)?.groups;
  if (!groups || !isRegionName(groups.region!) || groups.nameRegion !== groups.region) return null;
  if (groups.nameAccount !== groups.accountId) return null;
  const endTime = stampTime(groups.stamp!);
  if (endTime === null) return null;
  return {
    stream: {
      prefix: groups.prefix!,
      organizationId: groups.organizationId ?? null,
      accountId: groups.accountId!,
      region: groups.region!,
      trailName: groups.trailName!,
      trailHomeRegion: groups.homeRegion!,
    },
    endTime,
  };
}

function stampTime(stamp: string): number | null {
  const iso = `${stamp.slice(0, 4)}-${stamp.slice(4, 6)}-${stamp.slice(6, 8)}T${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}Z`;
  const time = Date.parse(iso);
  return Number.isNaN(time) || new Date(time).toISOString().slice(0, 19) !== iso.slice(0, 19) ? null : time;
}

/** A stable identity of a digest chain: `<prefix>AWSLogs/[o-id/]<account>/<region>/<trail>@<home region>`. */
export function digestStreamId(stream: DigestStream): string {
  const organization = stream.organizationId ? `${stream.organizationId}/` : '';
  return `${stream.prefix}AWSLogs/${organization}${stream.accountId}/${stream.region}/${stream.trailName}@${stream.trailHomeRegion}`;
}

/**
 * The Kafka key of a digest reference: its account × region folder, so every trail's chain of a folder
 * lands on one partition, in order, with the folder's "in no digest" check.
 */
export function digestRefKey(
  stream: Pick<DigestStream, 'prefix' | 'organizationId' | 'accountId' | 'region'>,
): string {
  const organization = stream.organizationId ? `${stream.organizationId}/` : '';
  return `${stream.prefix}AWSLogs/${organization}${stream.accountId}/${stream.region}`;
}

/** A digest's reference for the digests topic, keyed by its folder (`digestRefKey`); null for a key that is not a digest's. */
export function digestRefMessage(ref: ObjectRef): (EncodedMessage & { key: string }) | null {
  const parsed = parseDigestKey(ref.key);
  return parsed ? { key: digestRefKey(parsed.stream), ...objectRefContract.encode(ref) } : null;
}
