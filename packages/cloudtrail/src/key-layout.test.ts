import { readFixture } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import {
  type CloudTrailStream,
  classifyAwsLogsChild,
  dayPrefix,
  fileNameDeliveryTime,
  fileNameKind,
  parseCloudTrailKey,
  parseUtcDay,
  selectCloudTrailKey,
  startAfterKey,
  streamPrefix,
  utcDaysBetween,
} from './key-layout.js';

const realKeys = readFixture('keys/cloudtrail_s3_keys_seen.tsv')
  .toString('utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split('\t')[0]!);
const fullKeys = realKeys.filter((key) => key.includes('/'));
const fileNames = realKeys.filter((key) => !key.includes('/'));

describe('parseCloudTrailKey on the 131 real keys', () => {
  it('has the keys the fixture promises', () => {
    expect(realKeys).toHaveLength(131);
    expect(fullKeys).toHaveLength(69);
  });

  it('parses every full key, whatever the prefix', () => {
    const unparsed = fullKeys.filter((key) => parseCloudTrailKey(key) === null);
    expect(unparsed).toEqual([]);
  });

  it('reads the kind from folder and file name: 18 digests, 1 Insight, 50 logs', () => {
    const kinds = fullKeys.map((key) => parseCloudTrailKey(key)!.kind);
    expect(kinds.filter((kind) => kind === 'digest')).toHaveLength(18);
    expect(kinds.filter((kind) => kind === 'insight')).toHaveLength(1);
    expect(kinds.filter((kind) => kind === 'log')).toHaveLength(50);
  });

  it('reads the account, region and day from the path', () => {
    for (const key of fullKeys) {
      const parsed = parseCloudTrailKey(key)!;
      const day = `${parsed.day.year}/${String(parsed.day.month).padStart(2, '0')}/${String(parsed.day.day).padStart(2, '0')}`;
      expect(key).toContain(`/${parsed.accountId}/`);
      expect(key).toContain(`/${parsed.region}/${day}/${parsed.fileName}`);
      expect(key.startsWith(parsed.prefix)).toBe(true);
    }
  });

  it('reads a delivery time from every file name except the one with an impossible time', () => {
    const withoutTime = realKeys.filter((key) => fileNameDeliveryTime(key.split('/').at(-1)!) === null);
    expect(withoutTime).toEqual([
      'cloud-trail/AWSLogs/123456779121/CloudTrail/us-east-1/2018/01/07/123456779121_CloudTrail-Digest_us-east-1_AWS-CloudTrail_us-east-1_20180707T173567Z.json.gz',
    ]);
  });

  it('recognises the kind of bare file names', () => {
    const kinds = fileNames.map(fileNameKind);
    expect(kinds.filter((kind) => kind === 'digest')).toHaveLength(15);
    expect(kinds.filter((kind) => kind === 'log')).toHaveLength(47);
  });

  it('treats bare file names as not being keys in the layout', () => {
    expect(fileNames.map(parseCloudTrailKey).filter((parsed) => parsed !== null)).toEqual([]);
  });
});

describe('parseCloudTrailKey on each layout', () => {
  it('parses a plain trail', () => {
    expect(
      parseCloudTrailKey(
        'AWSLogs/005292802539/CloudTrail/us-west-2/2023/12/16/005292802539_CloudTrail_us-west-2_20231216T0020Z_7PliVTBQKBEdK2Bd.json.gz',
      ),
    ).toEqual({
      prefix: '',
      organizationId: null,
      accountId: '005292802539',
      region: 'us-west-2',
      kind: 'log',
      day: { year: 2023, month: 12, day: 16 },
      fileName: '005292802539_CloudTrail_us-west-2_20231216T0020Z_7PliVTBQKBEdK2Bd.json.gz',
      deliveredAt: Date.parse('2023-12-16T00:20:00Z'),
    });
  });

  it('parses an organization trail', () => {
    const parsed = parseCloudTrailKey(
      'AWSLogs/o-3h3h3h3h3h/123456789012/CloudTrail/us-east-1/2020/06/21/123456789012_CloudTrail_us-east-1_20200621T2035Z_ZqQWc4WNXOQUiIic.json.gz',
    );
    expect(parsed).toMatchObject({ prefix: '', organizationId: 'o-3h3h3h3h3h', accountId: '123456789012' });
  });

  it('parses a Control Tower log archive that repeats the organization id as a prefix', () => {
    const parsed = parseCloudTrailKey(
      'o-fxozgwu6rc/AWSLogs/o-fxozgwu6rc/123456789015/CloudTrail-Insight/ca-central-1/2020/09/23/123456789015_CloudTrail-Insight_ca-central-1_20200923T0516Z_KL5e9VCV2SS7IqzB.json.gz',
    );
    expect(parsed).toMatchObject({
      prefix: 'o-fxozgwu6rc/',
      organizationId: 'o-fxozgwu6rc',
      accountId: '123456789015',
      region: 'ca-central-1',
      kind: 'insight',
      deliveredAt: Date.parse('2020-09-23T05:16:00Z'),
    });
  });

  it('keeps a custom prefix, including one that contains AWSLogs', () => {
    const key =
      'archive/AWSLogs/old/AWSLogs/111122223333/CloudTrail/eu-west-1/2024/02/29/111122223333_CloudTrail_eu-west-1_20240229T2355Z_abc.json.gz';
    expect(parseCloudTrailKey(key)).toMatchObject({
      prefix: 'archive/AWSLogs/old/',
      accountId: '111122223333',
    });
  });

  it('reads seconds in digest names', () => {
    const parsed = parseCloudTrailKey(
      'AWSLogs/o-wwwwwwgggg/234567890123/CloudTrail-Digest/ca-central-1/2020/02/14/234567890123_CloudTrail-Digest_ca-central-1_POrgTrail_us-east-1_20200214T001007Z.json.gz',
    );
    expect(parsed).toMatchObject({ kind: 'digest', deliveredAt: Date.parse('2020-02-14T00:10:07Z') });
  });

  it('calls a digest-named file in a log folder a digest', () => {
    const parsed = parseCloudTrailKey(
      'cloud-trail/AWSLogs/123456779121/CloudTrail/us-east-1/2018/01/07/123456779121_CloudTrail-Digest_us-east-1_AWS-CloudTrail_us-east-1_20180707T173567Z.json.gz',
    );
    expect(parsed?.kind).toBe('digest');
  });

  it.each([
    ['a folder marker', 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/01/'],
    ['a short account id', 'AWSLogs/11112222333/CloudTrail/us-east-1/2024/01/01/f.json.gz'],
    ['a day that does not exist', 'AWSLogs/111122223333/CloudTrail/us-east-1/2023/02/29/f.json.gz'],
    ['no region folder', 'AWSLogs/111122223333/CloudTrail/2024/01/01/f.json.gz'],
    ['another service', 'AWSLogs/111122223333/elasticloadbalancing/us-east-1/2024/01/01/f.log.gz'],
    ['a file beside the layout', 'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/01/extra/f.json.gz'],
  ])('rejects %s', (_what, key) => {
    expect(parseCloudTrailKey(key)).toBeNull();
  });
});

describe('selectCloudTrailKey', () => {
  const log =
    'AWSLogs/111122223333/CloudTrail/us-east-1/2024/01/01/111122223333_CloudTrail_us-east-1_20240101T0005Z_a.json.gz';
  const digest =
    'AWSLogs/111122223333/CloudTrail-Digest/us-east-1/2024/01/01/111122223333_CloudTrail-Digest_us-east-1_t_us-east-1_20240101T000512Z.json.gz';
  const insight =
    'AWSLogs/111122223333/CloudTrail-Insight/us-east-1/2024/01/01/111122223333_CloudTrail-Insight_us-east-1_20240101T0005Z_a.json.gz';

  it('selects logs, skips digests, and selects Insights only when enabled', () => {
    expect(selectCloudTrailKey(log, { includeInsights: false }).selected).toBe(true);
    expect(selectCloudTrailKey(digest, { includeInsights: true })).toEqual({
      selected: false,
      reason: 'digest',
    });
    expect(selectCloudTrailKey(insight, { includeInsights: false })).toEqual({
      selected: false,
      reason: 'insight-not-enabled',
    });
    expect(selectCloudTrailKey(insight, { includeInsights: true }).selected).toBe(true);
    expect(selectCloudTrailKey('photos/cat.jpg', { includeInsights: true })).toEqual({
      selected: false,
      reason: 'not-cloudtrail',
    });
  });
});

describe('prefixes for listing', () => {
  const stream: CloudTrailStream = {
    prefix: 'trails/',
    organizationId: 'o-abcdefghij',
    accountId: '111122223333',
    region: 'eu-west-1',
    kind: 'log',
  };

  it('builds stream and day prefixes that parse back', () => {
    expect(streamPrefix(stream)).toBe('trails/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/');
    const day = dayPrefix(stream, { year: 2024, month: 3, day: 5 });
    expect(day).toBe('trails/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2024/03/05/');
    expect(
      parseCloudTrailKey(`${day}111122223333_CloudTrail_eu-west-1_20240305T0000Z_x.json.gz`),
    ).toMatchObject(stream);
  });

  it('starts after every key delivered before the given minute and before every key from it on', () => {
    const startAfter = startAfterKey(stream, Date.parse('2024-03-05T10:05:30Z'));
    const day = dayPrefix(stream, { year: 2024, month: 3, day: 5 });
    const earlier = `${day}111122223333_CloudTrail_eu-west-1_20240305T1004Z_zzzz.json.gz`;
    const same = `${day}111122223333_CloudTrail_eu-west-1_20240305T1005Z_0000.json.gz`;
    const later = `${day}111122223333_CloudTrail_eu-west-1_20240305T1010Z_0000.json.gz`;
    expect(earlier < startAfter).toBe(true);
    expect(startAfter < same && same < later).toBe(true);
  });

  it('lists the days of a range, across a month end', () => {
    expect(utcDaysBetween({ year: 2024, month: 2, day: 28 }, { year: 2024, month: 3, day: 1 })).toEqual([
      { year: 2024, month: 2, day: 28 },
      { year: 2024, month: 2, day: 29 },
      { year: 2024, month: 3, day: 1 },
    ]);
  });

  it('tells organizations from accounts under AWSLogs/', () => {
    expect(classifyAwsLogsChild('o-abcdefghij')).toEqual({
      type: 'organization',
      organizationId: 'o-abcdefghij',
    });
    expect(classifyAwsLogsChild('111122223333')).toEqual({ type: 'account', accountId: '111122223333' });
    expect(classifyAwsLogsChild('CloudTrail')).toEqual({ type: 'other' });
  });
});

describe('parseUtcDay', () => {
  it('reads YYYY-MM-DD as a UTC day and refuses what is not a real date', () => {
    expect(parseUtcDay('2024-02-29')).toEqual({ year: 2024, month: 2, day: 29 });
    expect(parseUtcDay('2023-02-29')).toBeNull();
    expect(parseUtcDay('2024-13-01')).toBeNull();
    expect(parseUtcDay('2024-3-1')).toBeNull();
    expect(parseUtcDay('yesterday')).toBeNull();
  });
});
