import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  createDigestSigningKey,
  type DigestTrail,
  digestTrail,
  publicKeysFile,
  type TrailBucketObject,
} from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import type { IntegritySource } from './digest-chain.js';
import { fixedPublicKeys, publicKeysFromResponse } from './public-keys.js';
import { verifyTrail } from './verify-trail.js';

const bucket = 'trail-bucket';
const signingKey = createDigestSigningKey();
const start = new Date('2026-11-30T10:00:00Z');
const keys = fixedPublicKeys(
  publicKeysFromResponse(JSON.parse(publicKeysFile([signingKey], start, new Date('2027-01-01T00:00:00Z')))),
);

function trail(): DigestTrail {
  return digestTrail({
    bucket,
    accountId: '111122223333',
    region: 'eu-west-1',
    trailName: 'org_trail-1',
    start,
    hours: 5,
    logFilesPerHour: 3,
    signingKey,
  });
}

/** The bucket as a map of key → object, read the way S3 would give it. */
function bucketSource(objects: Map<string, TrailBucketObject>): IntegritySource {
  return {
    async loadDigest(_bucket, key) {
      const object = objects.get(key);
      if (!object) return null;
      return { bucket, key, inflated: gunzipSync(object.body), metadata: object.metadata ?? {} };
    },
    async logFileHash(_bucket, key) {
      const object = objects.get(key);
      return object ? createHash('sha256').update(gunzipSync(object.body)).digest('hex') : null;
    },
  };
}

async function verify(
  built: DigestTrail,
  change: (objects: Map<string, TrailBucketObject>) => void = () => {},
) {
  const objects = new Map<string, TrailBucketObject>();
  for (const object of [...built.logFiles.flat(), ...built.digests]) objects.set(object.key, object);
  change(objects);
  const keysIn = [...objects.keys()];
  return verifyTrail(
    {
      bucket,
      digestKeys: keysIn.filter((key) => key.includes('/CloudTrail-Digest/')),
      logFileKeys: keysIn.filter((key) => key.includes('/CloudTrail/')),
      since: start.getTime(),
      until: start.getTime() + 5 * 3_600_000,
    },
    bucketSource(objects),
    keys,
  );
}

describe('verifyTrail', () => {
  it('finds nothing wrong with a clean chain, and checks every digest and log file', async () => {
    const report = await verify(trail());
    expect(report.findings).toEqual([]);
    expect(report.chains).toMatchObject([{ digests: 5, validDigests: 5, logFiles: 15 }]);
    expect(report.logFilesChecked).toBe(15);
  });

  it('reports a tampered, a deleted and an injected log file and a missing digest, each once', async () => {
    const built = trail();
    const tampered = built.logFiles[1]![0]!;
    const deleted = built.logFiles[2]![1]!;
    const missingDigest = built.digests[3]!;
    const injectedKey = tampered.key.replace(/_[0-9a-f]{16}\.json\.gz$/, '_Injected00000000.json.gz');
    const report = await verify(built, (objects) => {
      objects.set(tampered.key, { key: tampered.key, body: built.logFiles[0]![0]!.body });
      objects.delete(deleted.key);
      objects.set(injectedKey, { key: injectedKey, body: built.logFiles[0]![1]!.body });
      objects.delete(missingDigest.key);
    });
    const found = report.findings.map((f) => [f.kind, f.key]).sort();
    expect(found).toEqual(
      [
        ['digest-missing', missingDigest.key],
        ['log-file-missing', deleted.key],
        ['log-file-modified', tampered.key],
        ['log-file-unlisted', injectedKey],
      ].sort(),
    );
  });

  it('reports a digest whose content or signature changed as invalid', async () => {
    const built = trail();
    const changed = built.digests[2]!;
    const report = await verify(built, (objects) => {
      const inflated = JSON.parse(gunzipSync(changed.body).toString()) as { logFiles: unknown[] };
      inflated.logFiles.pop();
      objects.set(changed.key, {
        ...changed,
        body: gzipSync(JSON.stringify(inflated)),
      });
    });
    const kinds = report.findings.map((f) => `${f.kind} ${f.key === changed.key ? 'changed' : 'other'}`);
    expect(kinds).toContain('digest-signature-invalid changed');
    expect(report.chains[0]!.validDigests).toBe(4);
  });

  it('reports a digest without a previous one after others as a restarted chain', async () => {
    const first = trail();
    const later = digestTrail({
      bucket,
      accountId: '111122223333',
      region: 'eu-west-1',
      trailName: 'org_trail-1',
      start: new Date(start.getTime() + 3 * 3_600_000),
      hours: 2,
      logFilesPerHour: 1,
      signingKey,
      seed: 'after-stop',
    });
    const report = await verify(first, (objects) => {
      for (const digest of first.digests.slice(3)) objects.delete(digest.key);
      for (const file of first.logFiles.slice(3).flat()) objects.delete(file.key);
      for (const object of [...later.logFiles.flat(), ...later.digests]) objects.set(object.key, object);
    });
    expect(report.findings.map((f) => [f.kind, f.key])).toEqual([
      ['digest-chain-restarted', later.digests[0]!.key],
    ]);
  });

  it('reports every digest as invalid when no key has its fingerprint', async () => {
    const built = trail();
    const objects = new Map<string, TrailBucketObject>();
    for (const object of [...built.logFiles.flat(), ...built.digests]) objects.set(object.key, object);
    const report = await verifyTrail(
      {
        bucket,
        digestKeys: built.digests.map((d) => d.key),
        logFileKeys: [],
        since: start.getTime(),
        until: start.getTime() + 5 * 3_600_000,
      },
      bucketSource(objects),
      fixedPublicKeys([]),
    );
    expect(report.findings.filter((f) => f.kind === 'digest-signature-invalid')).toHaveLength(5);
    expect(report.findings[0]!.detail).toMatch(/no public key for fingerprint/);
  });
});
