import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { createTestBucket, type StsTrustProxy, startStsTrustProxy, testS3 } from '@trailstream/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ObjectUnavailableError, openObject } from './fetch-object.js';
import { SourceCredentials } from './source-credentials.js';
import { parseSourceRoles, type SourceRole } from './source-roles.js';

const { awsEndpoint, awsRegion } = inject('endpoints');
const baseCredentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const reader = 'arn:aws:iam::111122223333:role/trailstream-reader';
const externalId = 'trailstream-7d0c5e1a';
let proxy: StsTrustProxy;
let bucket: string;

beforeAll(async () => {
  proxy = await startStsTrustProxy({ target: awsEndpoint, trust: { [reader]: externalId } });
  bucket = await createTestBucket(testS3(), 'cross-account');
  await testS3().send(
    new PutObjectCommand({ Bucket: bucket, Key: 'AWSLogs/f.json', Body: '{"Records":[]}' }),
  );
});
afterAll(() => proxy.close());

/** Source credentials whose STS calls go through the trust proxy, from the process's base credentials. */
const sourceCredentials = (roles: Parameters<typeof parseSourceRoles>[0]) =>
  new SourceCredentials(parseSourceRoles(roles, { stsRegion: awsRegion, sessionName: 'trailstream-test' }), {
    endpoint: proxy.url,
    credentials: baseCredentials,
  });

function externalIdFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'source-role-')), 'external-id');
  writeFileSync(path, `${text}\n`);
  return path;
}

/** An S3 client as the services build one for a bucket: the source's credentials, else the process's. */
const s3Through = (credentials: S3Client['config']['credentials'] | undefined) =>
  new S3Client({
    endpoint: proxy.url,
    region: awsRegion,
    forcePathStyle: true,
    maxAttempts: 1,
    credentials: credentials ?? baseCredentials,
  });

const signersOf = (path: string) =>
  proxy.requests.filter((request) => request.path.startsWith(path)).map((request) => request.accessKeyId);

describe('source credentials against moto STS', () => {
  it('reads a bucket with the credentials of the role its source names, assumed with the external id', async () => {
    const credentials = sourceCredentials(
      JSON.stringify([{ bucket, roleArn: reader, externalIdFile: externalIdFile(externalId) }]),
    );
    const before = proxy.assumeRoleCalls.length;
    const s3 = s3Through(credentials.forBucket(bucket));
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'AWSLogs/f.json' }));
    await s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'AWSLogs/f.json' }));

    const calls = proxy.assumeRoleCalls.slice(before);
    expect(calls).toEqual([
      { roleArn: reader, sessionName: 'trailstream-test', durationSeconds: 3600, allowed: true },
    ]);
    const assumed = await s3.config.credentials();
    expect(assumed.accessKeyId).not.toBe(baseCredentials.accessKeyId);
    expect(signersOf(`/${bucket}/`).slice(-2)).toEqual([assumed.accessKeyId, assumed.accessKeyId]);
    // moto knows the key it issued: the caller is the assumed role's session.
    const sts = new STSClient({ endpoint: awsEndpoint, region: awsRegion, credentials: assumed });
    const identity = await sts.send(new GetCallerIdentityCommand({}));
    expect(identity.Arn).toBe('arn:aws:sts::111122223333:assumed-role/trailstream-reader/trailstream-test');
    expect(identity.Account).toBe('111122223333');
    // A bucket no entry names is read with the process's own credentials.
    expect(credentials.forBucket('another-bucket')).toBeUndefined();
    credentials.destroy();
  });

  it('assumes the role again before the credentials expire, and uses the new ones', async () => {
    const credentials = new SourceCredentials(
      parseSourceRoles(undefined, { stsRegion: awsRegion, sessionName: 'x' }),
      {
        endpoint: proxy.url,
        credentials: baseCredentials,
      },
    );
    // Valid for 303 s: the SDK refreshes credentials with less than 5 minutes left, so after 3 s.
    const role: SourceRole = {
      roleArn: reader,
      externalId,
      sessionName: 'trailstream-refresh',
      stsRegion: awsRegion,
      durationSeconds: 303,
    };
    const s3 = s3Through(credentials.providerFor(role));
    const callsOf = () => proxy.assumeRoleCalls.filter((call) => call.sessionName === 'trailstream-refresh');
    const get = () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: 'AWSLogs/f.json' }));

    await get();
    const first = await s3.config.credentials();
    await get();
    expect(callsOf()).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await get();
    const second = await s3.config.credentials();
    expect(callsOf()).toHaveLength(2);
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(first.expiration!.getTime()).toBeGreaterThan(Date.now());
    expect(signersOf(`/${bucket}/`).slice(-3)).toEqual([
      first.accessKeyId,
      first.accessKeyId,
      second.accessKeyId,
    ]);
    credentials.destroy();
  });

  it('a wrong external id: a clear error naming the role and not the id, classed denied, tried again each attempt', async () => {
    const wrong = 'trailstream-not-the-one';
    const credentials = sourceCredentials(
      JSON.stringify([
        { bucket, roleArn: reader, externalIdFile: externalIdFile(wrong), sessionName: 'trailstream-wrong' },
      ]),
    );
    const s3 = s3Through(credentials.forBucket(bucket));
    const policy = {
      transientAttempts: 3,
      unavailableAttempts: 2,
      backoff: { initialMs: 10, maxMs: 20, factor: 2 },
    };
    const error = await openObject(
      s3,
      { bucket, key: 'AWSLogs/f.json', etag: null, versionId: null },
      policy,
      () => undefined,
    ).catch((failure: unknown) => failure);

    expect(error).toBeInstanceOf(ObjectUnavailableError);
    const unavailable = error as ObjectUnavailableError;
    expect(unavailable.failure).toEqual({ kind: 'denied', reasonClass: 'assume-role-denied' });
    expect(unavailable.message).toContain(`could not assume ${reader} (session trailstream-wrong`);
    expect(unavailable.message).toContain('AccessDenied');
    expect(unavailable.message).not.toContain(wrong);
    const calls = proxy.assumeRoleCalls.filter((call) => call.sessionName === 'trailstream-wrong');
    expect(calls.map((call) => call.allowed)).toEqual([false, false]);
    credentials.destroy();
  });
});
