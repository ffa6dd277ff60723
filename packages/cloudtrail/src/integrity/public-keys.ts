import type { KeyObject } from 'node:crypto';
import { rsaPublicKeyFromDer } from './signature.js';

/** One CloudTrail public key with its validity, as `ListPublicKeys` returns it. */
export interface CloudTrailPublicKey {
  fingerprint: string;
  key: KeyObject;
  validFrom: number | null;
  validUntil: number | null;
}

/**
 * An entry of `ListPublicKeys`' `PublicKeyList` in any of the shapes it reaches us: the JSON API and
 * `aws cloudtrail list-public-keys` (Value as base64, times as epoch seconds or ISO text) or the AWS SDK
 * (Value as bytes, times as Dates).
 */
export interface PublicKeyListEntry {
  Value?: string | Uint8Array | undefined;
  Fingerprint?: string | undefined;
  ValidityStartTime?: string | number | Date | undefined;
  ValidityEndTime?: string | number | Date | undefined;
}

export interface ListPublicKeysResponse {
  PublicKeyList?: PublicKeyListEntry[] | undefined;
  NextToken?: string | undefined;
}

export class PublicKeyError extends Error {
  override readonly name = 'PublicKeyError';
}

function epochMs(value: PublicKeyListEntry['ValidityStartTime'], field: string): number | null {
  if (value === undefined) return null;
  if (value instanceof Date) return value.getTime();
  // The JSON protocol sends timestamps as epoch seconds.
  if (typeof value === 'number') return value * 1000;
  const time = Date.parse(value);
  if (Number.isNaN(time)) throw new PublicKeyError(`${field} "${value}" is not a time`);
  return time;
}

/** The keys of one `ListPublicKeys` page; an entry without a fingerprint or a readable RSA key is an error. */
export function publicKeysFromResponse(response: unknown): CloudTrailPublicKey[] {
  if (typeof response !== 'object' || response === null) {
    throw new PublicKeyError('the ListPublicKeys response is not an object');
  }
  const list = (response as ListPublicKeysResponse).PublicKeyList;
  if (list === undefined) return [];
  if (!Array.isArray(list)) throw new PublicKeyError('PublicKeyList is not a list');
  return list.map((entry, index) => {
    const { Value, Fingerprint } = entry;
    if (typeof Fingerprint !== 'string' || Fingerprint === '') {
      throw new PublicKeyError(`PublicKeyList[${index}] has no Fingerprint`);
    }
    const der =
      typeof Value === 'string' ? Buffer.from(Value, 'base64') : Value instanceof Uint8Array ? Value : null;
    if (der === null || der.byteLength === 0) throw new PublicKeyError(`key ${Fingerprint} has no Value`);
    let key: KeyObject;
    try {
      key = rsaPublicKeyFromDer(der);
    } catch (error) {
      throw new PublicKeyError(`key ${Fingerprint} is not a DER PKCS#1 RSA public key`, { cause: error });
    }
    return {
      fingerprint: Fingerprint.toLowerCase(),
      key,
      validFrom: epochMs(entry.ValidityStartTime, 'ValidityStartTime'),
      validUntil: epochMs(entry.ValidityEndTime, 'ValidityEndTime'),
    };
  });
}

/** Where public keys come from: CloudTrail's `ListPublicKeys` for a region, or a key file. */
export interface PublicKeySource {
  /** The key with this fingerprint for the digest's region, or null when there is none. */
  find(region: string, fingerprint: string): Promise<CloudTrailPublicKey | null>;
}

/** Keys known up front (a key file in `ListPublicKeys` shape), the same for every region. */
export function fixedPublicKeys(keys: readonly CloudTrailPublicKey[]): PublicKeySource {
  const byFingerprint = new Map(keys.map((key) => [key.fingerprint, key]));
  return { find: async (_region, fingerprint) => byFingerprint.get(fingerprint.toLowerCase()) ?? null };
}

/**
 * Keys per region from a `ListPublicKeys` caller (every page), asked again at most once per `ttlMs` and
 * whenever a fingerprint is unknown (CloudTrail rotates keys), so a new key is found without a restart.
 */
export function cachedPublicKeys(
  listRegion: (region: string) => Promise<CloudTrailPublicKey[]>,
  options: { ttlMs: number; now?: () => number },
): PublicKeySource {
  const now = options.now ?? Date.now;
  const cache = new Map<string, { at: number; keys: Map<string, CloudTrailPublicKey> }>();
  async function load(region: string) {
    const keys = new Map((await listRegion(region)).map((key) => [key.fingerprint, key]));
    const entry = { at: now(), keys };
    cache.set(region, entry);
    return entry;
  }
  return {
    async find(region, fingerprint) {
      const wanted = fingerprint.toLowerCase();
      let entry = cache.get(region);
      if (!entry || now() - entry.at > options.ttlMs) entry = await load(region);
      if (!entry.keys.has(wanted) && now() - entry.at > 60_000) entry = await load(region);
      return entry.keys.get(wanted) ?? null;
    },
  };
}
