import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { cloudTrailKey, recordTemplates, syntheticTrail } from './synthetic-trail.js';

describe('syntheticTrail', () => {
  it('builds gzip log files in the CloudTrail layout with unique eventIDs and real record shapes', () => {
    const files = [
      ...syntheticTrail({ files: 7, recordsPerFile: 50, start: new Date('2024-05-01T10:00:00Z') }),
    ];
    expect(files).toHaveLength(7);
    const ids = files.flatMap((f) => f.eventIDs);
    expect(new Set(ids).size).toBe(350);
    for (const file of files) {
      expect(file.key).toMatch(
        /^AWSLogs\/\d{12}\/CloudTrail\/[a-z0-9-]+\/2024\/05\/01\/\d{12}_CloudTrail_[a-z0-9-]+_20240501T\d{4}Z_[0-9a-f]{16}\.json\.gz$/,
      );
      const { Records } = JSON.parse(gunzipSync(file.body).toString()) as {
        Records: Record<string, unknown>[];
      };
      expect(Records.map((r) => r.eventID)).toEqual(file.eventIDs);
      expect(Records.every((r) => typeof r.eventName === 'string' && typeof r.eventSource === 'string')).toBe(
        true,
      );
    }
    const sources = new Set(
      files.flatMap((f) =>
        JSON.parse(gunzipSync(f.body).toString()).Records.map((r: { eventSource: string }) => r.eventSource),
      ),
    );
    expect(sources.size).toBeGreaterThan(3);
  });

  it('draws on thousands of real records', () => {
    expect(recordTemplates().length).toBeGreaterThan(3000);
  });

  it('names keys like CloudTrail, under an optional prefix', () => {
    expect(cloudTrailKey('123456789012', 'eu-west-1', new Date('2024-01-02T03:04:00Z'), 'abc', 'org/')).toBe(
      'org/AWSLogs/123456789012/CloudTrail/eu-west-1/2024/01/02/123456789012_CloudTrail_eu-west-1_20240102T0304Z_abc.json.gz',
    );
  });
});
