import { readFileSync } from 'node:fs';

/**
 * An IAM role to assume for one source (a trail bucket or a notification queue), typically in the
 * organization's log-archive account. The external id is read from a file and never logged.
 */
export interface SourceRole {
  roleArn: string;
  externalId: string | null;
  sessionName: string;
  /** The region whose STS endpoint issues the credentials. */
  stsRegion: string;
  durationSeconds: number;
}

/** The roles named in `SOURCE_ROLES`, by bucket and by queue URL; a source not named uses the process's own credentials. */
export interface SourceRoles {
  forBucket(bucket: string): SourceRole | null;
  forQueue(queueUrl: string): SourceRole | null;
  /** Every entry, in the order `SOURCE_ROLES` names them (for `trailstream doctor` to check each). */
  sources(): readonly SourceRoleEntry[];
  /** Every external id, for the logger to redact. */
  secrets(): string[];
}

/** One `SOURCE_ROLES` entry: the source (a bucket or a queue URL) and its role. */
export interface SourceRoleEntry {
  source: { kind: 'bucket'; bucket: string } | { kind: 'queue'; queueUrl: string };
  role: SourceRole;
}

export const noSourceRoles: SourceRoles = {
  forBucket: () => null,
  forQueue: () => null,
  sources: () => [],
  secrets: () => [],
};

export interface SourceRoleDefaults {
  /** The STS region when an entry names none: the process's AWS_REGION. */
  stsRegion: string;
  /** The session name when an entry names none, e.g. `trailstream-discovery`: CloudTrail in the source account shows it. */
  sessionName: string;
}

/** `SOURCE_ROLES` (or a file it names) is malformed: each problem names the entry and what is wrong, never an external id. */
export class SourceRolesError extends Error {
  override readonly name = 'SourceRolesError';
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
  }
}

// AWS's own limits (IAM and STS API references), checked here so a typo fails at start, not at the first call.
const ROLE_ARN =
  /^arn:aws(-cn|-us-gov|-iso|-iso-b|-iso-e|-iso-f|-eusc)?:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;
const REGION = /^[a-z]{2,4}(-[a-z]{2,4})?-[a-z]{4,9}-\d{1,2}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DURATION = { min: 900, max: 43_200, fallback: 3_600 };
const FIELDS = new Set([
  'bucket',
  'queueUrl',
  'roleArn',
  'externalIdFile',
  'sessionName',
  'stsRegion',
  'durationSeconds',
]);

/**
 * Parses `SOURCE_ROLES`: a JSON array of `{bucket | queueUrl, roleArn, externalIdFile?, sessionName?,
 * stsRegion?, durationSeconds?}`. External id files are read here, once, at start.
 */
export function parseSourceRoles(
  text: string | undefined,
  defaults: SourceRoleDefaults,
  readText: (path: string) => string = (path) => readFileSync(path, 'utf8'),
): SourceRoles {
  if (text === undefined || text.trim() === '') return noSourceRoles;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new SourceRolesError([`SOURCE_ROLES is not JSON: ${(error as Error).message}`]);
  }
  if (!Array.isArray(json)) {
    throw new SourceRolesError(['SOURCE_ROLES must be a JSON array of {bucket | queueUrl, roleArn, ...}']);
  }
  const problems: string[] = [];
  const buckets = new Map<string, SourceRole>();
  const queues = new Map<string, SourceRole>();
  const entries: SourceRoleEntry[] = [];
  json.forEach((entry: unknown, index) => {
    const where = `SOURCE_ROLES[${index}]`;
    const parsed = parseEntry(entry, where, defaults, readText);
    if (typeof parsed === 'string') {
      problems.push(parsed);
      return;
    }
    const [targets, name, role] = parsed.bucket
      ? [buckets, parsed.bucket, parsed.role]
      : [queues, parsed.queueUrl!, parsed.role];
    if (targets.has(name)) problems.push(`${where}: ${name} is named by an earlier entry too`);
    targets.set(name, role);
    entries.push({
      source: parsed.bucket ? { kind: 'bucket', bucket: name } : { kind: 'queue', queueUrl: name },
      role,
    });
  });
  if (problems.length > 0) throw new SourceRolesError(problems);
  const roles = [...buckets.values(), ...queues.values()];
  return {
    forBucket: (bucket) => buckets.get(bucket) ?? null,
    forQueue: (queueUrl) => queues.get(queueUrl) ?? null,
    sources: () => entries,
    secrets: () => roles.flatMap((role) => (role.externalId ? [role.externalId] : [])),
  };
}

/**
 * `SOURCE_ROLES` as a stage reads it: entries without a session name use `trailstream-<stage>` (what
 * CloudTrail in the source account shows), without an STS region the stage's `AWS_REGION`. Problems
 * are thrown as the error `invalid` makes of them (the stage's configuration error).
 */
export function stageSourceRoles(
  config: { SOURCE_ROLES?: string | undefined; AWS_REGION: string },
  stage: string,
  invalid: (problems: string[]) => Error,
): SourceRoles {
  try {
    return parseSourceRoles(config.SOURCE_ROLES, {
      stsRegion: config.AWS_REGION,
      sessionName: `trailstream-${stage}`,
    });
  } catch (error) {
    throw error instanceof SourceRolesError ? invalid(error.problems) : error;
  }
}

interface ParsedEntry {
  bucket: string | null;
  queueUrl: string | null;
  role: SourceRole;
}

function parseEntry(
  entry: unknown,
  where: string,
  defaults: SourceRoleDefaults,
  readText: (path: string) => string,
): ParsedEntry | string {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry))
    return `${where} must be an object`;
  const fields = entry as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((name) => !FIELDS.has(name));
  if (unknown.length > 0) {
    return `${where}: unknown field(s) ${unknown.join(', ')} (expected ${[...FIELDS].join(', ')})`;
  }
  const text = (name: string): string | undefined | null => {
    const value = fields[name];
    if (value === undefined) return undefined;
    return typeof value === 'string' && value !== '' ? value : null;
  };
  const problems: string[] = [];
  const bucket = text('bucket');
  const queueUrl = text('queueUrl');
  if ((bucket === undefined) === (queueUrl === undefined))
    problems.push('name exactly one of bucket, queueUrl');
  if (bucket !== undefined && (bucket === null || !BUCKET.test(bucket))) {
    problems.push(`bucket ${JSON.stringify(fields.bucket)} is not an S3 bucket name`);
  }
  if (queueUrl !== undefined && (queueUrl === null || !URL.canParse(queueUrl))) {
    problems.push(`queueUrl ${JSON.stringify(fields.queueUrl)} is not a URL`);
  }
  const roleArn = text('roleArn');
  if (!roleArn || !ROLE_ARN.test(roleArn)) {
    problems.push(
      `roleArn ${JSON.stringify(fields.roleArn ?? null)} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
    );
  }
  const sessionName = text('sessionName') ?? defaults.sessionName;
  if (!SESSION_NAME.test(sessionName)) {
    problems.push(`sessionName ${JSON.stringify(sessionName)} must be 2-64 of [A-Za-z0-9+=,.@_-]`);
  }
  const stsRegion = text('stsRegion') ?? defaults.stsRegion;
  if (!REGION.test(stsRegion))
    problems.push(`stsRegion ${JSON.stringify(stsRegion)} is not an AWS region name`);
  const duration = fields.durationSeconds ?? DURATION.fallback;
  if (
    !Number.isInteger(duration) ||
    (duration as number) < DURATION.min ||
    (duration as number) > DURATION.max
  ) {
    problems.push(`durationSeconds must be a whole number from ${DURATION.min} to ${DURATION.max}`);
  }
  const externalIdFile = text('externalIdFile');
  let externalId: string | null = null;
  if (externalIdFile === null) problems.push('externalIdFile must be a path');
  if (externalIdFile) {
    try {
      externalId = readText(externalIdFile).trim();
      if (!EXTERNAL_ID.test(externalId)) {
        problems.push(`${externalIdFile} must hold an external id of 2-1224 of [A-Za-z0-9+=,.@:/_-]`);
      }
    } catch (error) {
      problems.push(
        `externalIdFile ${externalIdFile} cannot be read (${(error as NodeJS.ErrnoException).code ?? error})`,
      );
    }
  }
  if (problems.length > 0) return `${where}: ${problems.join('; ')}`;
  return {
    bucket: bucket ?? null,
    queueUrl: queueUrl ?? null,
    role: {
      roleArn: roleArn!,
      externalId,
      sessionName,
      stsRegion,
      durationSeconds: duration as number,
    },
  };
}
