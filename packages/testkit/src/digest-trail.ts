import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { syntheticTrail } from './synthetic-trail.js';

/** An RSA key pair standing in for CloudTrail's digest signing key. */
export interface DigestSigningKey {
  privateKey: KeyObject;
  /** Hex, as `digestPublicKeyFingerprint` and `ListPublicKeys` carry it. */
  fingerprint: string;
  /** The public key as `ListPublicKeys` returns it: DER PKCS#1, base64. */
  publicKeyBase64: string;
}

export function createDigestSigningKey(): DigestSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const der = publicKey.export({ format: 'der', type: 'pkcs1' });
  return {
    privateKey,
    fingerprint: createHash('md5').update(der).digest('hex'),
    publicKeyBase64: der.toString('base64'),
  };
}

/** A key file in the shape `aws cloudtrail list-public-keys --output json` writes. */
export function publicKeysFile(keys: readonly DigestSigningKey[], validFrom: Date, validUntil: Date): string {
  return JSON.stringify({
    PublicKeyList: keys.map((key) => ({
      Value: key.publicKeyBase64,
      ValidityStartTime: validFrom.toISOString(),
      ValidityEndTime: validUntil.toISOString(),
      Fingerprint: key.fingerprint,
    })),
  });
}

/** An object as CloudTrail writes it, with its user metadata (a digest's signature). */
export interface TrailBucketObject {
  key: string;
  body: Buffer;
  metadata?: Record<string, string>;
}

export interface DigestTrailOptions {
  bucket: string;
  accountId: string;
  region: string;
  trailName: string;
  /** The first digest hour starts here. */
  start: Date;
  hours: number;
  logFilesPerHour: number;
  signingKey: DigestSigningKey;
  prefix?: string;
  seed?: string;
}

export interface DigestTrail {
  /** Log files, hour by hour, as their digests list them. */
  logFiles: TrailBucketObject[][];
  /** One signed digest per hour, oldest first. */
  digests: TrailBucketObject[];
}

const pad = (n: number) => String(n).padStart(2, '0');
const digestStamp = (d: Date) =>
  `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
const isoSeconds = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const sha256Hex = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** `…AWSLogs/<account>/CloudTrail-Digest/<region>/YYYY/MM/DD/<account>_CloudTrail-Digest_<region>_<trail>_<region>_<stamp>.json.gz` */
export function digestKey(options: DigestTrailOptions, end: Date): string {
  const { accountId, region, trailName } = options;
  const day = `${end.getUTCFullYear()}/${pad(end.getUTCMonth() + 1)}/${pad(end.getUTCDate())}`;
  return `${options.prefix ?? ''}AWSLogs/${accountId}/CloudTrail-Digest/${region}/${day}/${accountId}_CloudTrail-Digest_${region}_${trailName}_${region}_${digestStamp(end)}.json.gz`;
}

/**
 * A trail with log file validation on, in CloudTrail's exact digest format: hourly digests chained by
 * the previous digest's key, hash and signature, each listing its hour's log files with the SHA-256 of
 * their inflated bytes, signed SHA256withRSA over the documented signing string.
 */
export function digestTrail(options: DigestTrailOptions): DigestTrail {
  const logFiles: TrailBucketObject[][] = [];
  const digests: TrailBucketObject[] = [];
  type ChainLink = { key: string; signature: string; sha256: string };
  let previous = null as ChainLink | null;
  for (let hour = 0; hour < options.hours; hour++) {
    // CloudTrail's digest hours end at a fixed second of the minute, after the hour's last delivery.
    const start = new Date(options.start.getTime() + hour * 3_600_000 + (hour === 0 ? 0 : 31_000));
    const end = new Date(options.start.getTime() + (hour + 1) * 3_600_000 + 31_000);
    const files = [
      ...syntheticTrail({
        files: options.logFilesPerHour,
        recordsPerFile: 3,
        accounts: [options.accountId],
        regions: [options.region],
        start: new Date(options.start.getTime() + hour * 3_600_000 + 5 * 60_000),
        seed: `${options.seed ?? 'digest-trail'}/${hour}`,
        ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      }),
    ].map(({ key, body }) => ({ key, body }));
    logFiles.push(files);
    const key = digestKey(options, end);
    const link: ChainLink | null = previous;
    const digest = {
      awsAccountId: options.accountId,
      digestStartTime: isoSeconds(start),
      digestEndTime: isoSeconds(end),
      digestS3Bucket: options.bucket,
      digestS3Object: key,
      digestPublicKeyFingerprint: options.signingKey.fingerprint,
      digestSignatureAlgorithm: 'SHA256withRSA',
      newestEventTime: isoSeconds(end),
      oldestEventTime: isoSeconds(start),
      previousDigestS3Bucket: link ? options.bucket : null,
      previousDigestS3Object: link?.key ?? null,
      previousDigestHashValue: link?.sha256 ?? null,
      previousDigestHashAlgorithm: link ? 'SHA-256' : null,
      previousDigestSignature: link?.signature ?? null,
      logFiles: files.map((file) => ({
        s3Bucket: options.bucket,
        s3Object: file.key,
        hashValue: sha256Hex(gunzipSync(file.body)),
        hashAlgorithm: 'SHA-256',
        newestEventTime: isoSeconds(end),
        oldestEventTime: isoSeconds(start),
      })),
    };
    const inflated: Buffer = Buffer.from(JSON.stringify(digest));
    const toSign: string = [
      digest.digestEndTime,
      `${digest.digestS3Bucket}/${digest.digestS3Object}`,
      sha256Hex(inflated),
      digest.previousDigestSignature ?? 'null',
    ].join('\n');
    const signature: string = sign('sha256', Buffer.from(toSign), options.signingKey.privateKey).toString(
      'hex',
    );
    digests.push({
      key,
      body: gzipSync(inflated),
      metadata: { signature, 'signature-algorithm': 'SHA256withRSA' },
    });
    previous = { key, signature, sha256: sha256Hex(inflated) };
  }
  return { logFiles, digests };
}

/** Puts objects as CloudTrail does, user metadata (`x-amz-meta-*`) included. */
export async function putTrailObjects(
  s3: S3Client,
  bucket: string,
  objects: readonly TrailBucketObject[],
): Promise<void> {
  for (const object of objects) {
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: object.key,
        Body: object.body,
        ...(object.metadata ? { Metadata: object.metadata } : {}),
      }),
    );
  }
}
