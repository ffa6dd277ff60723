import { describe, expect, it } from 'vitest';
import { parseTrailSource, sortChildren, streamsFromRegionFolders } from './trail-source.js';

describe('parseTrailSource', () => {
  it('defaults the prefix to AWSLogs/', () => {
    expect(parseTrailSource('trail-bucket')).toEqual({
      bucket: 'trail-bucket',
      basePrefix: '',
      organizationId: null,
    });
  });

  it('accepts a prefix before AWSLogs/ and one organization', () => {
    expect(parseTrailSource('trail-bucket/o-abcdefghij/AWSLogs/o-abcdefghij/')).toEqual({
      bucket: 'trail-bucket',
      basePrefix: 'o-abcdefghij/',
      organizationId: 'o-abcdefghij',
    });
  });

  it('explains what is wrong', () => {
    expect(parseTrailSource('Bad_Bucket')).toMatch(/not an S3 bucket name/);
    expect(parseTrailSource('bucket/logs/')).toMatch(/must end with AWSLogs\//);
  });
});

describe('delimiter listings', () => {
  it('tells organizations from accounts and ignores other folders', () => {
    expect(sortChildren(['AWSLogs/o-abcdefghij/', 'AWSLogs/111122223333/', 'AWSLogs/misc/'])).toEqual({
      organizations: ['o-abcdefghij'],
      accounts: ['111122223333'],
    });
  });

  it('builds streams from region folders', () => {
    const source = { bucket: 'b', basePrefix: 'x/', organizationId: null };
    const folders = [
      'x/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/',
      'x/AWSLogs/o-abcdefghij/111122223333/CloudTrail/junk/',
    ];
    expect(streamsFromRegionFolders(source, 'o-abcdefghij', '111122223333', 'log', folders)).toEqual([
      {
        prefix: 'x/',
        organizationId: 'o-abcdefghij',
        accountId: '111122223333',
        region: 'eu-west-1',
        kind: 'log',
      },
    ]);
  });
});
