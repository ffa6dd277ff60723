import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cloudTrailKey,
  collectMessages,
  createTestBucket,
  type ServiceProcess,
  type StsTrustProxy,
  startStsTrustProxy,
} from '@trailstream/testkit';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  collectRecords,
  createFetcherRig,
  decodeDeadLetter,
  type FetcherRig,
  objectRef,
  putObject,
  sendRefs,
  startFetcher,
} from './fetcher-harness.js';

const reader = 'arn:aws:iam::444455556666:role/trailstream-log-archive-reader';
const externalId = 'o-abcdefghij-trailstream';
let proxy: StsTrustProxy;
let rig: FetcherRig;
let service: ServiceProcess;
let refusedBucket: string;

function secretFile(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'fetcher-role-')), 'external-id');
  writeFileSync(path, text);
  return path;
}

beforeAll(async () => {
  proxy = await startStsTrustProxy({
    target: inject('endpoints').awsEndpoint,
    trust: { [reader]: externalId },
  });
  rig = await createFetcherRig();
  refusedBucket = await createTestBucket(rig.s3, 'refused');
  // The process calls S3 and STS through the proxy (the SDK reads AWS_ENDPOINT_URL), as the chart configures it.
  rig.env.AWS_ENDPOINT_URL = proxy.url;
  rig.env.S3_UNAVAILABLE_ATTEMPTS = '2';
  rig.env.SOURCE_ROLES = JSON.stringify([
    { bucket: rig.bucket, roleArn: reader, externalIdFile: secretFile(externalId) },
    { bucket: refusedBucket, roleArn: reader, externalIdFile: secretFile('not-the-external-id') },
  ]);
  service = await startFetcher(rig);
});

afterAll(async () => {
  await service?.stop();
  await rig?.close();
  await proxy?.close();
});

const file = (eventID: string) =>
  JSON.stringify({
    Records: [
      {
        eventID,
        eventTime: '2024-05-01T10:00:00Z',
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        awsRegion: 'us-east-1',
      },
    ],
  });

describe('fetcher-parser with cross-account buckets (SOURCE_ROLES)', () => {
  it("reads a bucket with its role's credentials; a role that refuses the external id dead-letters, the process runs on", async () => {
    const key = cloudTrailKey('111122223333', 'us-east-1', new Date('2024-05-01T10:05:00Z'), 'archive');
    const ref = await putObject(rig, key, file('archive-1'));
    const refused = { ...objectRef(rig, key), bucket: refusedBucket };
    await sendRefs(rig, [ref, refused]);

    const records = await collectRecords(rig, (all) => all.length >= 1);
    expect(records.map((record) => record.eventID)).toEqual(['archive-1']);
    const gets = proxy.requests.filter(
      (request) => request.method === 'GET' && request.path.startsWith(`/${rig.bucket}/`),
    );
    expect(gets.length).toBeGreaterThan(0);
    expect(gets.every((request) => request.accessKeyId !== 'test' && request.accessKeyId !== null)).toBe(
      true,
    );
    expect(
      proxy.assumeRoleCalls.some((call) => call.allowed && call.sessionName === 'trailstream-fetcher-parser'),
    ).toBe(true);

    const letters = (
      await collectMessages(rig.kafka, rig.topics.dlq, { until: (all) => all.length >= 1 })
    ).map(decodeDeadLetter);
    expect(letters.map((letter) => [letter.reasonClass, letter.attempts])).toEqual([
      ['assume-role-denied', 2],
    ]);
    expect(letters[0]!.reasonMessage).toContain(`could not assume ${reader}`);
    expect(letters[0]!.reasonMessage).not.toContain('not-the-external-id');
    expect(service.output.join('\n')).toContain('could not assume');
    expect(service.output.join('\n')).not.toContain('not-the-external-id');
    expect(service.child.exitCode).toBeNull();
  });
});
