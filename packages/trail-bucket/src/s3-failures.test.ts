import { describe, expect, it } from 'vitest';
import { classifyS3Failure } from './s3-failures.js';

const sdkError = (name: string, httpStatusCode?: number) =>
  Object.assign(new Error(name), { name, $metadata: { httpStatusCode } });

describe('classifyS3Failure', () => {
  it.each([
    [sdkError('NoSuchKey', 404), 'missing', 'no-such-key'],
    [sdkError('NotFound', 404), 'missing', 'no-such-key'],
    [sdkError('NoSuchBucket', 404), 'missing', 'no-such-bucket'],
    [sdkError('AccessDenied', 403), 'denied', 'access-denied'],
    [sdkError('Forbidden', 403), 'denied', 'access-denied'],
    [sdkError('SlowDown', 503), 'transient', 's3-unavailable'],
    [sdkError('ThrottlingException', 400), 'transient', 's3-unavailable'],
    [sdkError('InternalError', 500), 'transient', 's3-unavailable'],
    [sdkError('Unknown', 502), 'transient', 's3-unavailable'],
    [sdkError('TooManyRequests', 429), 'transient', 's3-unavailable'],
    [sdkError('TimeoutError'), 'transient', 's3-unavailable'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'transient', 's3-unavailable'],
    [sdkError('InvalidObjectState', 400), 'permanent', 's3-rejected'],
    [sdkError('PermanentRedirect', 301), 'permanent', 's3-rejected'],
  ])('%s is %s (%s)', (error, kind, reasonClass) => {
    expect(classifyS3Failure(error)).toEqual({ kind, reasonClass });
  });
});
