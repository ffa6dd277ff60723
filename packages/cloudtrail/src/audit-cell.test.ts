import { describe, expect, it } from 'vitest';
import { auditCellOf } from './audit-cell.js';

describe('auditCellOf', () => {
  it('is the account × region folder and the delivery hour in the file name', () => {
    expect(
      auditCellOf(
        'trail',
        'p/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2026/12/02/111122223333_CloudTrail_eu-west-1_20261202T1035Z_AbC.json.gz',
      ),
    ).toEqual({
      stream: 's3://trail/p/AWSLogs/o-abcdefghij/111122223333/eu-west-1',
      hour: Date.UTC(2026, 11, 2, 10),
    });
  });

  it('falls back to the day in the path, then to a stream of its own for a key outside the layout', () => {
    expect(
      auditCellOf(
        'trail',
        'AWSLogs/111122223333/CloudTrail/us-east-1/2026/12/02/111122223333_CloudTrail_us-east-1.json.gz',
      ),
    ).toEqual({ stream: 's3://trail/AWSLogs/111122223333/us-east-1', hour: Date.UTC(2026, 11, 2) });
    expect(auditCellOf('trail', 'elsewhere/file.json')).toEqual({ stream: 's3://trail/?', hour: 0 });
  });
});
