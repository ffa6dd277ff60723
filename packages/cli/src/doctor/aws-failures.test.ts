import { Readable } from 'node:stream';
import { CloudTrailClient, GetTrailStatusCommand } from '@aws-sdk/client-cloudtrail';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { attempt, classifyAwsFailure } from './aws-failures.js';

/** An HTTP handler that answers every request with one response, as the service sends it on the wire. */
function answering(statusCode: number, headers: Record<string, string>, body: string) {
  return {
    handle: async () => ({ response: { statusCode, headers, body: Readable.from([Buffer.from(body)]) } }),
  };
}

const credentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };

/** The error the SDK raises from a service's answer: the shape doctor meets in production. */
async function sdkError(send: () => Promise<unknown>): Promise<unknown> {
  try {
    await send();
  } catch (error) {
    return error;
  }
  throw new Error('the call did not fail');
}

function cloudTrailAnswering(statusCode: number, type: string, message: string) {
  return new CloudTrailClient({
    region: 'eu-west-1',
    credentials,
    maxAttempts: 1,
    requestHandler: answering(
      statusCode,
      { 'content-type': 'application/x-amz-json-1.1' },
      JSON.stringify({ __type: type, message }),
    ),
  });
}

describe('classifyAwsFailure', () => {
  it("sorts CloudTrail's AccessDeniedException as denied, keeping AWS's words", async () => {
    const client = cloudTrailAnswering(
      400,
      'AccessDeniedException',
      'User: arn:aws:iam::111122223333:user/doctor is not authorized to perform: cloudtrail:GetTrailStatus',
    );
    const error = await sdkError(() => client.send(new GetTrailStatusCommand({ Name: 'management-events' })));
    expect(classifyAwsFailure(error)).toEqual({
      kind: 'denied',
      message:
        'AccessDeniedException: User: arn:aws:iam::111122223333:user/doctor is not authorized to perform: cloudtrail:GetTrailStatus',
    });
  });

  it('sorts a missing trail, and keys not valid in an opt-in region', async () => {
    const missing = await sdkError(() =>
      cloudTrailAnswering(400, 'TrailNotFoundException', 'Unknown trail').send(
        new GetTrailStatusCommand({ Name: 'gone' }),
      ),
    );
    expect(classifyAwsFailure(missing).kind).toBe('missing');
    const optIn = await sdkError(() =>
      cloudTrailAnswering(
        400,
        'UnrecognizedClientException',
        'The security token included in the request is invalid.',
      ).send(new GetTrailStatusCommand({ Name: 'x' })),
    );
    expect(classifyAwsFailure(optIn).kind).toBe('unrecognized-client');
  });

  it("sorts S3's 403, with a body or without one (a denied HEAD, some emulators' GET), as denied", async () => {
    const withBody = new S3Client({
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      requestHandler: answering(
        403,
        { 'content-type': 'application/xml' },
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      ),
    });
    const bare = new S3Client({
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      requestHandler: answering(403, {}, ''),
    });
    const failures = [];
    for (const client of [withBody, bare]) {
      const error = await sdkError(() =>
        client.send(new GetObjectCommand({ Bucket: 'trail-bucket', Key: 'k' })),
      );
      failures.push(classifyAwsFailure(error));
    }
    expect(failures).toEqual([
      { kind: 'denied', message: 'AccessDenied: Access Denied' },
      { kind: 'denied', message: 'HTTP 403' },
    ]);
  });

  it('sorts missing credentials, and anything else as other', () => {
    expect(
      classifyAwsFailure(
        Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        }),
      ),
    ).toEqual({
      kind: 'no-credentials',
      message: 'CredentialsProviderError: Could not load credentials from any providers',
    });
    expect(classifyAwsFailure(new Error('socket hang up')).kind).toBe('other');
    expect(classifyAwsFailure('not an error')).toEqual({ kind: 'other', message: 'Error: Error' });
  });
});

describe('attempt', () => {
  it('turns a failed call into an outcome naming the permission and resource, never a throw', async () => {
    const client = cloudTrailAnswering(400, 'AccessDeniedException', 'not authorized');
    const call = {
      permission: 'cloudtrail:GetTrailStatus',
      resource: 'arn:aws:cloudtrail:eu-west-1:111122223333:trail/t',
    };
    const outcome = await attempt(call, () => client.send(new GetTrailStatusCommand({ Name: 't' })));
    expect(outcome).toEqual({
      ok: false,
      call,
      failure: { kind: 'denied', message: 'AccessDeniedException: not authorized' },
    });
    expect(await attempt(call, async () => 42)).toEqual({ ok: true, value: 42 });
  });
});
