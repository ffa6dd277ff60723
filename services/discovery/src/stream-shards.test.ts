import { describe, expect, it } from 'vitest';
import { partitionOfStream, streamKey } from './stream-shards.js';

describe('partitionOfStream', () => {
  it('is stable: the same key always lands on the same partition', () => {
    expect(partitionOfStream('s3://b/AWSLogs/111122223333/CloudTrail/eu-west-1/', 12)).toBe(
      partitionOfStream('s3://b/AWSLogs/111122223333/CloudTrail/eu-west-1/', 12),
    );
    // Pinned: a change here would move every stream to another replica after an upgrade.
    expect(partitionOfStream('s3://b/AWSLogs/111122223333/CloudTrail/eu-west-1/', 12)).toMatchInlineSnapshot(
      `11`,
    );
  });

  it('spreads account x region streams over the partitions', () => {
    const counts = new Array<number>(12).fill(0);
    for (let account = 0; account < 50; account++) {
      for (const region of ['us-east-1', 'us-west-2', 'eu-west-1', 'eu-central-1', 'ap-southeast-1']) {
        const key = streamKey('bucket', {
          prefix: '',
          organizationId: null,
          accountId: String(100000000000 + account),
          region,
          kind: 'log',
        });
        counts[partitionOfStream(key, 12)]! += 1;
      }
    }
    expect(Math.min(...counts)).toBeGreaterThan(5);
    expect(Math.max(...counts)).toBeLessThan(40);
  });
});
