/** What a CloudTrail file holds, from the folder CloudTrail writes it to. */
export type CloudTrailFileKind = 'log' | 'digest' | 'insight';

/** A calendar day in UTC, as CloudTrail writes it in key paths (`YYYY/MM/DD`). */
export interface UtcDay {
  year: number;
  month: number;
  day: number;
}

/**
 * One account × region folder of one kind, e.g. `AWSLogs/o-abc/111122223333/CloudTrail/eu-west-1/`.
 * It is the unit poll mode lists and shards.
 */
export interface CloudTrailStream {
  /** Everything before `AWSLogs/`, '' when the trail has no prefix. */
  prefix: string;
  /** Set for organization trails (`AWSLogs/<o-id>/<account>/…`). */
  organizationId: string | null;
  accountId: string;
  region: string;
  kind: CloudTrailFileKind;
}

export interface CloudTrailKey extends CloudTrailStream {
  day: UtcDay;
  fileName: string;
  /** Delivery time written in the file name (epoch ms); null when the name does not carry a valid one. */
  deliveredAt: number | null;
}

const KIND_BY_FOLDER: Readonly<Record<string, CloudTrailFileKind>> = {
  CloudTrail: 'log',
  'CloudTrail-Digest': 'digest',
  'CloudTrail-Insight': 'insight',
};

const FOLDER_BY_KIND: Readonly<Record<CloudTrailFileKind, string>> = {
  log: 'CloudTrail',
  digest: 'CloudTrail-Digest',
  insight: 'CloudTrail-Insight',
};

const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;
const ACCOUNT_ID = /^\d{12}$/;
const REGION = /^[a-z]{2,}(?:-[a-z]+)+-\d+$/;

// The greedy prefix makes the last `AWSLogs/` that starts a complete layout win, so prefixes that
// themselves contain `AWSLogs/` (Control Tower log archives repeat the organization id) still parse.
const KEY_LAYOUT = new RegExp(
  '^(?<prefix>(?:.*/)?)AWSLogs/(?:(?<organizationId>o-[a-z0-9]{10,32})/)?(?<accountId>\\d{12})/' +
    '(?<folder>CloudTrail|CloudTrail-Digest|CloudTrail-Insight)/(?<region>[a-z]{2,}(?:-[a-z]+)+-\\d+)/' +
    '(?<year>\\d{4})/(?<month>\\d{2})/(?<day>\\d{2})/(?<fileName>[^/]+)$',
);

// `<account>_CloudTrail[-Digest|-Insight]_<region>_…_<YYYYMMDDTHHmm[ss]Z>…`: logs and insights put the
// time before a random suffix, digests put it last; one real key has no '_' before the suffix.
const FILE_NAME = /^(?<accountId>\d{12})_(?<folder>CloudTrail|CloudTrail-Digest|CloudTrail-Insight)_/;
const FILE_TIME = /_(?<date>\d{8})T(?<hour>\d{2})(?<minute>\d{2})(?<second>\d{2})?Z/;

/** Parses an S3 key in CloudTrail's layout; null when the key is not a CloudTrail file. */
export function parseCloudTrailKey(key: string): CloudTrailKey | null {
  const groups = KEY_LAYOUT.exec(key)?.groups;
  if (!groups) return null;
  const day = validDay(Number(groups.year), Number(groups.month), Number(groups.day));
  if (!day) return null;
  const fileName = groups.fileName!;
  return {
    prefix: groups.prefix!,
    organizationId: groups.organizationId ?? null,
    accountId: groups.accountId!,
    region: groups.region!,
    kind: fileNameKind(fileName) ?? KIND_BY_FOLDER[groups.folder!]!,
    day,
    fileName,
    deliveredAt: fileNameDeliveryTime(fileName),
  };
}

/**
 * The kind a file name declares. A digest named as such is a digest wherever it sits, so a
 * misplaced digest is never forwarded as a log.
 */
export function fileNameKind(fileName: string): CloudTrailFileKind | null {
  const folder = FILE_NAME.exec(fileName)?.groups?.folder;
  return folder === undefined ? null : KIND_BY_FOLDER[folder]!;
}

/** The delivery time CloudTrail writes in a file name (epoch ms), or null when absent or impossible. */
export function fileNameDeliveryTime(fileName: string): number | null {
  const groups = FILE_TIME.exec(fileName)?.groups;
  if (!groups) return null;
  const date = groups.date!;
  const day = validDay(Number(date.slice(0, 4)), Number(date.slice(4, 6)), Number(date.slice(6, 8)));
  const hour = Number(groups.hour);
  const minute = Number(groups.minute);
  const second = Number(groups.second ?? '0');
  if (!day || hour > 23 || minute > 59 || second > 59) return null;
  return Date.UTC(day.year, day.month - 1, day.day, hour, minute, second);
}

function validDay(year: number, month: number, day: number): UtcDay | null {
  const date = new Date(Date.UTC(year, month - 1, day));
  const valid =
    date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  return valid ? { year, month, day } : null;
}

/** `YYYY-MM-DD` → a UTC day, or null when it is not a real date. */
export function parseUtcDay(text: string): UtcDay | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  return match ? validDay(Number(match[1]), Number(match[2]), Number(match[3])) : null;
}

export function utcDayOf(epochMs: number): UtcDay {
  const date = new Date(epochMs);
  return { year: date.getUTCFullYear(), month: date.getUTCMonth() + 1, day: date.getUTCDate() };
}

export function utcDayStart(day: UtcDay): number {
  return Date.UTC(day.year, day.month - 1, day.day);
}

/** Every UTC day from `from` to `to`, both included, oldest first. */
export function utcDaysBetween(from: UtcDay, to: UtcDay): UtcDay[] {
  const days: UtcDay[] = [];
  for (let start = utcDayStart(from); start <= utcDayStart(to); start += 86_400_000) {
    days.push(utcDayOf(start));
  }
  return days;
}

const pad = (value: number, width: number) => String(value).padStart(width, '0');

/** `AWSLogs/[<o-id>/]<account>/<folder>/<region>/` under the stream's prefix. */
export function streamPrefix(stream: CloudTrailStream): string {
  const organization = stream.organizationId ? `${stream.organizationId}/` : '';
  return `${stream.prefix}AWSLogs/${organization}${stream.accountId}/${FOLDER_BY_KIND[stream.kind]}/${stream.region}/`;
}

/** The folder CloudTrail writes one day's files of a stream to: `<stream prefix>YYYY/MM/DD/`. */
export function dayPrefix(stream: CloudTrailStream, day: UtcDay): string {
  return `${streamPrefix(stream)}${pad(day.year, 4)}/${pad(day.month, 2)}/${pad(day.day, 2)}/`;
}

/**
 * A key that sorts just before every file of the stream delivered at or after `epochMs` within its
 * day folder, for S3's `StartAfter`: names start with account, kind, region and the delivery minute,
 * so keys sort by delivery time.
 */
export function startAfterKey(stream: CloudTrailStream, epochMs: number): string {
  const date = new Date(epochMs);
  const stamp =
    `${pad(date.getUTCFullYear(), 4)}${pad(date.getUTCMonth() + 1, 2)}${pad(date.getUTCDate(), 2)}` +
    `T${pad(date.getUTCHours(), 2)}${pad(date.getUTCMinutes(), 2)}`;
  const name = `${stream.accountId}_${FOLDER_BY_KIND[stream.kind]}_${stream.region}_${stamp}`;
  return `${dayPrefix(stream, utcDayOf(epochMs))}${name}`;
}

/** A stable identity for a stream, used as its checkpoint key and to shard streams across replicas. */
export function streamId(stream: CloudTrailStream): string {
  return streamPrefix(stream);
}

/** What a `/`-delimited child of an `AWSLogs/` folder is. */
export type AwsLogsChild =
  | { type: 'organization'; organizationId: string }
  | { type: 'account'; accountId: string }
  | { type: 'other' };

export function classifyAwsLogsChild(segment: string): AwsLogsChild {
  if (ORGANIZATION_ID.test(segment)) return { type: 'organization', organizationId: segment };
  if (ACCOUNT_ID.test(segment)) return { type: 'account', accountId: segment };
  return { type: 'other' };
}

export function isRegionName(segment: string): boolean {
  return REGION.test(segment);
}

/** The folder name CloudTrail uses for a kind: `CloudTrail`, `CloudTrail-Digest`, `CloudTrail-Insight`. */
export function kindFolder(kind: CloudTrailFileKind): string {
  return FOLDER_BY_KIND[kind];
}

export type KeySkipReason = 'not-cloudtrail' | 'digest' | 'insight-not-enabled';

export type KeySelection =
  | { selected: true; key: CloudTrailKey }
  | { selected: false; reason: KeySkipReason };

/**
 * Whether a key is a CloudTrail file to forward: logs always, Insights only when asked for, digests
 * never (they hold hashes of other files, not API calls).
 */
export function selectCloudTrailKey(key: string, options: { includeInsights: boolean }): KeySelection {
  const parsed = parseCloudTrailKey(key);
  if (!parsed) return { selected: false, reason: 'not-cloudtrail' };
  if (parsed.kind === 'digest') return { selected: false, reason: 'digest' };
  if (parsed.kind === 'insight' && !options.includeInsights) {
    return { selected: false, reason: 'insight-not-enabled' };
  }
  return { selected: true, key: parsed };
}
