import { createDigestSigningKey } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { cachedPublicKeys, PublicKeyError, publicKeysFromResponse } from './public-keys.js';

const signingKey = createDigestSigningKey();

describe('publicKeysFromResponse', () => {
  it('reads the JSON API shape: base64 Value, epoch-second validity, Fingerprint, NextToken', () => {
    // The shape of ListPublicKeys in the CloudTrail API reference.
    const response = {
      PublicKeyList: [
        {
          Fingerprint: signingKey.fingerprint.toUpperCase(),
          ValidityEndTime: 1_767_225_600,
          ValidityStartTime: 1_764_547_200,
          Value: signingKey.publicKeyBase64,
        },
      ],
      NextToken: 'page-2',
    };
    const [key] = publicKeysFromResponse(response);
    expect(key).toMatchObject({
      fingerprint: signingKey.fingerprint,
      validFrom: Date.UTC(2025, 11, 1),
      validUntil: Date.UTC(2026, 0, 1),
    });
    expect(key!.key.asymmetricKeyType).toBe('rsa');
  });

  it('reads the AWS SDK shape: Value as bytes, validity as Dates', () => {
    const [key] = publicKeysFromResponse({
      PublicKeyList: [
        {
          Fingerprint: signingKey.fingerprint,
          Value: new Uint8Array(Buffer.from(signingKey.publicKeyBase64, 'base64')),
          ValidityStartTime: new Date('2026-01-01T00:00:00Z'),
        },
      ],
    });
    expect(key).toMatchObject({ validFrom: Date.UTC(2026, 0, 1), validUntil: null });
  });

  it('reads an empty page as no keys', () => {
    expect(publicKeysFromResponse({ PublicKeyList: [] })).toEqual([]);
    expect(publicKeysFromResponse({})).toEqual([]);
  });

  it('names the entry that is not a usable key', () => {
    expect(() => publicKeysFromResponse({ PublicKeyList: [{ Value: 'AAAA' }] })).toThrow(
      /\[0\] has no Fingerprint/,
    );
    expect(() =>
      publicKeysFromResponse({ PublicKeyList: [{ Fingerprint: 'ab', Value: 'bm90IGEga2V5' }] }),
    ).toThrow(PublicKeyError);
    expect(() =>
      publicKeysFromResponse({
        PublicKeyList: [{ Fingerprint: 'ab', Value: signingKey.publicKeyBase64, ValidityEndTime: 'soon' }],
      }),
    ).toThrow(/ValidityEndTime "soon" is not a time/);
    expect(() => publicKeysFromResponse('[]')).toThrow(/not an object/);
  });
});

describe('cachedPublicKeys', () => {
  it('asks once per region within the time to live, and again for an unknown fingerprint later', async () => {
    let now = 0;
    const calls: string[] = [];
    const keys = publicKeysFromResponse({
      PublicKeyList: [{ Fingerprint: signingKey.fingerprint, Value: signingKey.publicKeyBase64 }],
    });
    const source = cachedPublicKeys(
      async (region) => {
        calls.push(region);
        return keys;
      },
      { ttlMs: 3_600_000, now: () => now },
    );
    expect(await source.find('eu-west-1', signingKey.fingerprint)).not.toBeNull();
    expect(await source.find('eu-west-1', signingKey.fingerprint)).not.toBeNull();
    expect(await source.find('us-east-1', signingKey.fingerprint)).not.toBeNull();
    expect(calls).toEqual(['eu-west-1', 'us-east-1']);
    expect(await source.find('eu-west-1', 'ffff')).toBeNull();
    expect(calls).toHaveLength(2);
    now = 120_000;
    expect(await source.find('eu-west-1', 'ffff')).toBeNull();
    expect(calls).toEqual(['eu-west-1', 'us-east-1', 'eu-west-1']);
  });
});
