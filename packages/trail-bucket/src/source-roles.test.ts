import { describe, expect, it } from 'vitest';
import { classifyS3Failure } from './s3-failures.js';
import { AssumeRoleError, identityFrom } from './source-credentials.js';
import { parseSourceRoles, type SourceRole, SourceRolesError } from './source-roles.js';

const defaults = { stsRegion: 'eu-west-1', sessionName: 'trailstream-discovery' };
const roleArn = 'arn:aws:iam::111122223333:role/trailstream-reader';
const files: Record<string, string> = { '/run/secrets/external-id': 'log-archive-4f2a\n' };
const readText = (path: string) => {
  const text = files[path];
  if (text === undefined) throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
  return text;
};
const parse = (entries: unknown) => parseSourceRoles(JSON.stringify(entries), defaults, readText);
const problemsOf = (entries: unknown) => {
  try {
    parse(entries);
  } catch (error) {
    if (error instanceof SourceRolesError) return error.problems;
    throw error;
  }
  return [];
};

describe('parseSourceRoles', () => {
  it('maps buckets and queues to their roles, with defaults and the external id read from its file', () => {
    const queueUrl = 'https://sqs.eu-west-1.amazonaws.com/111122223333/trail-events';
    const roles = parse([
      { bucket: 'org-trail', roleArn, externalIdFile: '/run/secrets/external-id' },
      { queueUrl, roleArn, sessionName: 'trailstream-sqs', stsRegion: 'us-east-1', durationSeconds: 900 },
    ]);
    expect(roles.forBucket('org-trail')).toEqual({
      roleArn,
      externalId: 'log-archive-4f2a',
      sessionName: 'trailstream-discovery',
      stsRegion: 'eu-west-1',
      durationSeconds: 3600,
    });
    expect(roles.forQueue(queueUrl)).toEqual({
      roleArn,
      externalId: null,
      sessionName: 'trailstream-sqs',
      stsRegion: 'us-east-1',
      durationSeconds: 900,
    });
    expect(roles.forBucket('other')).toBeNull();
    expect(roles.sources().map(({ source, role }) => [source, role.sessionName])).toEqual([
      [{ kind: 'bucket', bucket: 'org-trail' }, 'trailstream-discovery'],
      [{ kind: 'queue', queueUrl }, 'trailstream-sqs'],
    ]);
    expect(roles.secrets()).toEqual(['log-archive-4f2a']);
  });

  it('unset or empty: no roles', () => {
    expect(parseSourceRoles(undefined, defaults).forBucket('b')).toBeNull();
    expect(parseSourceRoles(' ', defaults).secrets()).toEqual([]);
  });

  it('names every problem by its entry, and never prints an external id', () => {
    files['/run/secrets/bad-id'] = 'has spaces in it';
    expect(
      problemsOf([
        { bucket: 'Bad_Bucket', roleArn: 'arn:aws:iam::1:user/x' },
        { roleArn },
        { bucket: 'b-1', queueUrl: 'https://q', roleArn },
        { bucket: 'b-2', roleArn, externalIdFile: '/missing' },
        { bucket: 'b-3', roleArn, externalIdFile: '/run/secrets/bad-id', durationSeconds: 60 },
        { bucket: 'b-4', roleArn, sessionName: 'a b', stsRegion: 'mars', extra: 1 },
        'not an object',
        { bucket: 'b-5', roleArn },
        { bucket: 'b-5', roleArn },
      ]),
    ).toEqual([
      'SOURCE_ROLES[0]: bucket "Bad_Bucket" is not an S3 bucket name; roleArn "arn:aws:iam::1:user/x" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)',
      'SOURCE_ROLES[1]: name exactly one of bucket, queueUrl',
      'SOURCE_ROLES[2]: name exactly one of bucket, queueUrl',
      'SOURCE_ROLES[3]: externalIdFile /missing cannot be read (ENOENT)',
      'SOURCE_ROLES[4]: durationSeconds must be a whole number from 900 to 43200; /run/secrets/bad-id must hold an external id of 2-1224 of [A-Za-z0-9+=,.@:/_-]',
      'SOURCE_ROLES[5]: unknown field(s) extra (expected bucket, queueUrl, roleArn, externalIdFile, sessionName, stsRegion, durationSeconds)',
      'SOURCE_ROLES[6] must be an object',
      'SOURCE_ROLES[8]: b-5 is named by an earlier entry too',
    ]);
    expect(() => parseSourceRoles('{"bucket":1}', defaults)).toThrow(/must be a JSON array/);
    expect(() => parseSourceRoles('[', defaults)).toThrow(/SOURCE_ROLES is not JSON/);
  });
});

describe('AssumeRoleError', () => {
  const role: SourceRole = {
    roleArn,
    externalId: 'secret-id',
    sessionName: 's',
    stsRegion: 'us-east-1',
    durationSeconds: 3600,
  };
  const stsError = (name: string, status: number | undefined) =>
    Object.assign(new Error(`${name} from STS`), { name, $metadata: { httpStatusCode: status } });

  it('a refusal is a fix to make (denied), an outage is transient; neither message shows the external id', () => {
    const denied = new AssumeRoleError(role, stsError('AccessDenied', 403));
    expect(denied.transient).toBe(false);
    expect(classifyS3Failure(denied)).toEqual({ kind: 'denied', reasonClass: 'assume-role-denied' });
    expect(denied.message).toMatch(/trust policy/);
    const outage = new AssumeRoleError(role, stsError('ServiceUnavailable', 503));
    expect(classifyS3Failure(outage)).toEqual({ kind: 'transient', reasonClass: 'sts-unavailable' });
    for (const error of [denied, outage]) expect(error.message).not.toContain('secret-id');
  });

  it('credentials STS answered without are an error, not a half identity', () => {
    const expiration = new Date('2030-01-01T00:00:00Z');
    const complete = {
      AccessKeyId: 'ASIA1',
      SecretAccessKey: 's',
      SessionToken: 't',
      Expiration: expiration,
    };
    expect(identityFrom(complete, role)).toEqual({
      accessKeyId: 'ASIA1',
      secretAccessKey: 's',
      sessionToken: 't',
      expiration,
    });
    expect(() => identityFrom({ ...complete, SessionToken: undefined }, role)).toThrow(AssumeRoleError);
    expect(() => identityFrom(undefined, role)).toThrow(/without complete credentials/);
  });
});
