import { type DigestFile, DigestFormatError, type DigestStream, parseDigestFile } from './digest-file.js';
import type { FindingKind, IntegrityFinding } from './findings.js';
import type { PublicKeySource } from './public-keys.js';
import { digestSigningString, isDigestSignatureValid, sha256Hex } from './signature.js';

/** A digest object as S3 gave it: inflated bytes and its user metadata (`x-amz-meta-*`). */
export interface LoadedDigest {
  bucket: string;
  key: string;
  inflated: Uint8Array;
  metadata: Readonly<Record<string, string>>;
}

/** What the checks read from the bucket; null means S3 has no such object. */
export interface IntegritySource {
  loadDigest(bucket: string, key: string): Promise<LoadedDigest | null>;
  /** Hex SHA-256 of the log file's inflated bytes. */
  logFileHash(bucket: string, key: string): Promise<string | null>;
}

/** The last digest of a chain, as the next one must name it. */
export interface ChainLink {
  bucket: string;
  key: string;
  /** Hex signature from the object's metadata. */
  signature: string;
  /** Hex SHA-256 of the inflated digest. */
  sha256: string;
  /** digestEndTime (epoch ms). */
  endTime: number;
}

export type DigestVerdict =
  | { valid: true; digest: DigestFile; link: ChainLink }
  | { valid: false; reason: string; digest: DigestFile | null; link: ChainLink };

/** The digest's own checks: format, where it claims to be, algorithm, key by fingerprint, and signature. */
export async function checkDigestSignature(
  loaded: LoadedDigest,
  keys: PublicKeySource,
): Promise<DigestVerdict> {
  const signature = (loaded.metadata.signature ?? '').toLowerCase();
  const link = (endTime: number): ChainLink => ({
    bucket: loaded.bucket,
    key: loaded.key,
    signature,
    sha256: sha256Hex(loaded.inflated),
    endTime,
  });
  let digest: DigestFile;
  try {
    digest = parseDigestFile(loaded.inflated);
  } catch (error) {
    if (!(error instanceof DigestFormatError)) throw error;
    return { valid: false, reason: `invalid format: ${error.message}`, digest: null, link: link(0) };
  }
  const invalid = (reason: string): DigestVerdict => ({
    valid: false,
    reason,
    digest,
    link: link(Date.parse(digest.digestEndTime)),
  });
  if (digest.digestS3Bucket !== loaded.bucket || digest.digestS3Object !== loaded.key) {
    return invalid(
      `has been moved from its original location s3://${digest.digestS3Bucket}/${digest.digestS3Object}`,
    );
  }
  if (signature === '') return invalid('the object has no signature metadata');
  const algorithm = loaded.metadata['signature-algorithm'] ?? digest.digestSignatureAlgorithm;
  if (algorithm !== 'SHA256withRSA') return invalid(`unsupported signature algorithm ${algorithm}`);
  const region = parseRegionOf(loaded.key) ?? '';
  const publicKey = await keys.find(region, digest.digestPublicKeyFingerprint);
  if (!publicKey) {
    return invalid(
      `no public key for fingerprint ${digest.digestPublicKeyFingerprint} in ${region || 'the region'}`,
    );
  }
  if (!isDigestSignatureValid(digestSigningString(digest, loaded.inflated), signature, publicKey.key)) {
    return invalid('signature verification failed');
  }
  return { valid: true, digest, link: link(Date.parse(digest.digestEndTime)) };
}

const parseRegionOf = (key: string): string | null =>
  /\/CloudTrail-Digest\/([a-z0-9-]+)\//.exec(key)?.[1] ?? null;

/** A digest that was listed or announced, then gone from S3 before it could be read. */
export function goneDigestFinding(stream: DigestStream, bucket: string, key: string): IntegrityFinding {
  return {
    kind: 'digest-missing',
    accountId: stream.accountId,
    region: stream.region,
    trailName: stream.trailName,
    bucket,
    key,
    detail: 'found in S3, then gone before it could be read',
  };
}

export interface DigestCheck {
  findings: IntegrityFinding[];
  /** The chain's new last link. */
  link: ChainLink;
  /** The log files the digest lists (s3://bucket/key), valid or not. */
  listed: string[];
  /** The digest as read, null when it could not be read at all. */
  digest: DigestFile | null;
}

/**
 * Checks one digest of a chain against the one before it (`previous`, null when this is the first digest
 * seen of the chain): its signature; the link back (a named previous digest that is not the one seen and
 * is not in S3 is missing; one without a previous after others is a restart); and every listed log file's
 * hash. The same code runs in `trailstream verify` and in the integrity stage.
 */
export async function checkDigest(
  stream: DigestStream,
  loaded: LoadedDigest,
  previous: ChainLink | null,
  source: IntegritySource,
  keys: PublicKeySource,
): Promise<DigestCheck> {
  const findings: IntegrityFinding[] = [];
  const find = (kind: FindingKind, bucket: string, key: string, detail: string, trail: string | null) =>
    findings.push({
      kind,
      accountId: stream.accountId,
      region: stream.region,
      trailName: trail,
      bucket,
      key,
      detail,
    });
  const trail = stream.trailName;
  const verdict = await checkDigestSignature(loaded, keys);
  if (!verdict.valid) find('digest-signature-invalid', loaded.bucket, loaded.key, verdict.reason, trail);
  const { digest } = verdict;
  if (digest === null) return { findings, link: verdict.link, listed: [], digest: null };

  const previousKey = digest.previousDigestS3Object;
  const previousBucket = digest.previousDigestS3Bucket ?? loaded.bucket;
  if (previousKey === null) {
    if (previous !== null) {
      find(
        'digest-chain-restarted',
        loaded.bucket,
        loaded.key,
        `no digest between ${new Date(previous.endTime).toISOString()} and ${digest.digestStartTime}: logging or validation was off`,
        trail,
      );
    }
  } else if (previous !== null && previous.key === previousKey && previous.bucket === previousBucket) {
    if (digest.previousDigestSignature?.toLowerCase() !== previous.signature) {
      find(
        'digest-signature-invalid',
        previous.bucket,
        previous.key,
        'its signature is not the one the next digest recorded',
        trail,
      );
    } else if (digest.previousDigestHashValue?.toLowerCase() !== previous.sha256) {
      find(
        'digest-signature-invalid',
        previous.bucket,
        previous.key,
        'its content is not the one the next digest recorded',
        trail,
      );
    }
  } else if (previous !== null) {
    const named = await source.loadDigest(previousBucket, previousKey);
    if (named === null) {
      find(
        'digest-missing',
        previousBucket,
        previousKey,
        `named by s3://${loaded.bucket}/${loaded.key} as its previous digest, not in S3`,
        trail,
      );
    }
  }

  const listed: string[] = [];
  for (const logFile of digest.logFiles) {
    listed.push(`s3://${logFile.s3Bucket}/${logFile.s3Object}`);
    const hash = await source.logFileHash(logFile.s3Bucket, logFile.s3Object);
    if (hash === null) {
      find(
        'log-file-missing',
        logFile.s3Bucket,
        logFile.s3Object,
        `listed by s3://${loaded.bucket}/${loaded.key}`,
        trail,
      );
    } else if (hash !== logFile.hashValue) {
      find(
        'log-file-modified',
        logFile.s3Bucket,
        logFile.s3Object,
        `SHA-256 ${hash} differs from ${logFile.hashValue} in s3://${loaded.bucket}/${loaded.key}`,
        trail,
      );
    }
  }
  return { findings, link: verdict.link, listed, digest };
}
