import { readFileSync } from 'node:fs';
import { fixturePath } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { DigestFormatError, digestStreamId, parseDigestFile, parseDigestKey } from './digest-file.js';

describe('parseDigestKey', () => {
  it('reads every real digest key of the fixtures', () => {
    const digestKeys = readFileSync(fixturePath('keys/cloudtrail_s3_keys_seen.tsv'), 'utf8')
      .split('\n')
      .map((line) => line.split('\t')[0]!)
      .filter(
        (key) => key.includes('AWSLogs/') && key.includes('/CloudTrail-Digest/') && !key.startsWith('/'),
      );
    expect(digestKeys.length).toBeGreaterThan(5);
    for (const key of digestKeys) expect(parseDigestKey(key.replace(/^\/\/[^/]+\//, '')), key).not.toBeNull();
  });

  it('reads an organization trail digest, and the trail name with underscores', () => {
    const parsed = parseDigestKey(
      'AWSLogs/o-wwwwwwgggg/234567890123/CloudTrail-Digest/ca-central-1/2020/02/14/234567890123_CloudTrail-Digest_ca-central-1_P_Org_Trail_us-east-1_20200214T001007Z.json.gz',
    );
    expect(parsed).toEqual({
      stream: {
        prefix: '',
        organizationId: 'o-wwwwwwgggg',
        accountId: '234567890123',
        region: 'ca-central-1',
        trailName: 'P_Org_Trail',
        trailHomeRegion: 'us-east-1',
      },
      endTime: Date.UTC(2020, 1, 14, 0, 10, 7),
    });
    expect(digestStreamId(parsed!.stream)).toBe(
      'AWSLogs/o-wwwwwwgggg/234567890123/ca-central-1/P_Org_Trail@us-east-1',
    );
  });

  it('refuses log files and impossible times', () => {
    expect(
      parseDigestKey(
        'AWSLogs/111122223333/CloudTrail/us-east-2/2015/08/17/111122223333_CloudTrail_us-east-2_20150817T1445Z_9nYN7gp2eWAJHIfT.json.gz',
      ),
    ).toBeNull();
    expect(
      parseDigestKey(
        'AWSLogs/111122223333/CloudTrail-Digest/us-east-2/2015/08/20/111122223333_CloudTrail-Digest_us-east-2_t_us-east-2_20150820T250131Z.json.gz',
      ),
    ).toBeNull();
  });
});

describe('parseDigestFile', () => {
  it("reads AWS's documented digest of an idle hour", () => {
    const digest = parseDigestFile(
      readFileSync(
        fixturePath(
          'cloudtrail/otel-collector-contrib-awslogsencoding/cloudtraillog-testdata/cloudtrail_digest_empty.json',
        ),
      ),
    );
    expect(digest).toMatchObject({
      awsAccountId: '111122223333',
      logFiles: [],
      digestSignatureAlgorithm: 'SHA256withRSA',
    });
    expect(digest.previousDigestHashValue).toMatch(/^ed96c4/);
  });

  it('names what is missing', () => {
    expect(() => parseDigestFile(Buffer.from('{"Records": []}'))).toThrow(DigestFormatError);
    expect(() => parseDigestFile(Buffer.from('not json'))).toThrow(/not JSON/);
  });
});
