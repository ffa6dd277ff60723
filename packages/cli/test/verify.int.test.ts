import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import {
  createDigestSigningKey,
  createTestBucket,
  type DigestTrail,
  digestTrail,
  publicKeysFile,
  putTrailObjects,
  testS3,
} from '@trailstream/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

const s3 = testS3();
const signingKey = createDigestSigningKey();
const start = new Date('2026-11-30T10:00:00Z');
let keysFile: string;

function trailIn(bucket: string): DigestTrail {
  return digestTrail({
    bucket,
    accountId: '111122223333',
    region: 'eu-west-1',
    trailName: 'management-events',
    start,
    hours: 4,
    logFilesPerHour: 2,
    signingKey,
  });
}

const range = ['--since', '2026-11-30T10:00:00Z', '--until', '2026-11-30T14:00:00Z'];

beforeAll(async () => {
  const folder = await mkdtemp(join(tmpdir(), 'verify-'));
  keysFile = join(folder, 'public-keys.json');
  await writeFile(keysFile, publicKeysFile([signingKey], start, new Date('2027-01-01T00:00:00Z')));
});

describe('trailstream verify', () => {
  it('passes a clean trail: every digest valid, exit 0', async () => {
    const bucket = await createTestBucket(s3, 'verify-clean');
    const built = trailIn(bucket);
    await putTrailObjects(s3, bucket, [...built.logFiles.flat(), ...built.digests]);
    const result = await runCli(['verify', '--from', `s3://${bucket}`, ...range, '--public-keys', keysFile]);
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/111122223333\s+eu-west-1\s+management-events\s+4\/4\s+8/);
    expect(result.stdout).toContain('no findings');
  });

  it('reports a tampered, a deleted, an injected log file and a missing digest once each; exit 1', async () => {
    const bucket = await createTestBucket(s3, 'verify-broken');
    const built = trailIn(bucket);
    await putTrailObjects(s3, bucket, [...built.logFiles.flat(), ...built.digests]);
    const tampered = built.logFiles[0]![1]!;
    const deleted = built.logFiles[1]![0]!;
    const injectedKey = tampered.key.replace(/_[0-9a-f]{16}\.json\.gz$/, '_Injected00000000.json.gz');
    const lostDigest = built.digests[2]!;
    await putTrailObjects(s3, bucket, [
      { key: tampered.key, body: built.logFiles[0]![0]!.body },
      { key: injectedKey, body: built.logFiles[0]![0]!.body },
    ]);
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: deleted.key }));
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: lostDigest.key }));

    const result = await runCli(['verify', '--from', `s3://${bucket}`, ...range, '--public-keys', keysFile]);
    expect(result.code).toBe(1);
    const rows = result.stdout
      .split('\n')
      .filter((line) => /^(digest|log-file)-/.test(line))
      .map((line) => line.split(/\s+/).slice(0, 4).join(' '))
      .sort();
    const object = (key: string) => `111122223333 eu-west-1 s3://${bucket}/${key}`;
    expect(rows).toEqual(
      [
        `digest-missing ${object(lostDigest.key)}`,
        `log-file-missing ${object(deleted.key)}`,
        `log-file-modified ${object(tampered.key)}`,
        `log-file-unlisted ${object(injectedKey)}`,
      ].sort(),
    );
    expect(result.stdout).toContain('4 finding(s)');
  });

  it('reports digests signed by a key it does not have as invalid', async () => {
    const bucket = await createTestBucket(s3, 'verify-other-key');
    const built = digestTrail({
      bucket,
      accountId: '111122223333',
      region: 'eu-west-1',
      trailName: 'management-events',
      start,
      hours: 1,
      logFilesPerHour: 1,
      signingKey: createDigestSigningKey(),
    });
    await putTrailObjects(s3, bucket, [...built.logFiles.flat(), ...built.digests]);
    const result = await runCli(['verify', '--from', `s3://${bucket}`, ...range, '--public-keys', keysFile]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/digest-signature-invalid .* no public key for fingerprint/);
  });

  it('explains what is wrong with its arguments, and has --help', async () => {
    const help = await runCli(['verify', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--public-keys <file>');
    const noFrom = await runCli(['verify', ...range]);
    expect([noFrom.code, noFrom.stderr]).toEqual([
      2,
      'trailstream: --from is required: s3://bucket[/prefix/AWSLogs/]\n',
    ]);
    const badTime = await runCli([
      'verify',
      '--from',
      's3://some-bucket',
      '--since',
      'yesterday',
      '--until',
      '2026-12-01',
    ]);
    expect(badTime.code).toBe(2);
    expect(badTime.stderr).toContain('--since expects YYYY-MM-DD or an ISO time, got "yesterday"');
    const badKeys = await runCli([
      'verify',
      '--from',
      's3://some-bucket',
      ...range,
      '--public-keys',
      '/nonexistent.json',
    ]);
    expect(badKeys.code).toBe(2);
    expect(badKeys.stderr).toContain('--public-keys /nonexistent.json: ENOENT');
  });
});
