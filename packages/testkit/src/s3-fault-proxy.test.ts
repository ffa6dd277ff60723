import { describe, expect, it } from 'vitest';
import { isSqsRequest, slowDownBody } from './s3-fault-proxy.js';

describe('isSqsRequest', () => {
  it('recognises both SQS protocols and nothing else', () => {
    expect(isSqsRequest({ 'x-amz-target': 'AmazonSQS.ReceiveMessage' })).toBe(true);
    expect(isSqsRequest({ 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' })).toBe(true);
    expect(isSqsRequest({ 'content-type': 'application/xml' })).toBe(false);
    expect(isSqsRequest({})).toBe(false);
  });
});

describe('slowDownBody', () => {
  it('is S3 error XML with the SlowDown code and the resource escaped', () => {
    const body = slowDownBody('/bucket/a&b<c', 'req-1');
    expect(body).toContain('<Code>SlowDown</Code>');
    expect(body).toContain('<Resource>/bucket/a&amp;b&lt;c</Resource>');
    expect(body).toContain('<RequestId>req-1</RequestId>');
  });
});
