import { createHash, createPublicKey, type KeyObject, verify } from 'node:crypto';
import type { DigestFile } from './digest-file.js';

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The string CloudTrail signs (user guide, "Custom implementations of CloudTrail log file integrity
 * validation"): end time, bucket/key, hex SHA-256 of the inflated digest, and the previous digest's
 * signature (the literal `null` for the first digest of a chain), joined by newlines.
 */
export function digestSigningString(digest: DigestFile, inflatedDigest: Uint8Array): string {
  return [
    digest.digestEndTime,
    `${digest.digestS3Bucket}/${digest.digestS3Object}`,
    sha256Hex(inflatedDigest),
    digest.previousDigestSignature ?? 'null',
  ].join('\n');
}

/** A CloudTrail public key (`ListPublicKeys` Value: DER PKCS#1 RSA) as a key object; throws when it is not one. */
export function rsaPublicKeyFromDer(der: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.from(der), format: 'der', type: 'pkcs1' });
}

/** SHA256withRSA (RSA PKCS#1 v1.5 over SHA-256) of the signing string, against the hex signature. */
export function isDigestSignatureValid(signingString: string, signatureHex: string, key: KeyObject): boolean {
  if (!/^(?:[0-9a-f]{2})+$/i.test(signatureHex)) return false;
  return verify('sha256', Buffer.from(signingString, 'utf8'), key, Buffer.from(signatureHex, 'hex'));
}
