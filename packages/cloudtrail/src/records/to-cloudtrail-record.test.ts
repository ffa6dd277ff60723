import { readFixture } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { CloudTrailRecordError } from './object-errors.js';
import { toCloudTrailRecord } from './to-cloudtrail-record.js';

const otelRecords = (
  JSON.parse(
    readFixture(
      'cloudtrail/otel-collector-contrib-awslogsencoding/cloudtraillog-testdata/cloudtrail_log.json',
    ).toString(),
  ) as { Records: Record<string, unknown>[] }
).Records;

const origin = {
  bucket: 'trail-bucket',
  key: 'AWSLogs/1/CloudTrail/us-east-1/a.json.gz',
  etag: '"e"',
  index: 4,
};

describe('toCloudTrailRecord', () => {
  it('reads the routing fields and keeps the JSON text untouched', () => {
    const json =
      '{ "eventVersion":"1.08", "userIdentity":{"type":"IAMUser","principalId":"AIDA","arn":"arn:aws:iam::1:user/bert-jan"},' +
      '"eventTime":"2023-07-10T12:11:15Z","eventSource":"ec2.amazonaws.com","eventName":"CreateVolume",' +
      '"awsRegion":"us-east-1","sourceIPAddress":"192.168.10.20","errorCode":"Client.UnauthorizedOperation",' +
      '"readOnly":false,"eventID":"f1","recipientAccountId":"123837392027" }';
    expect(toCloudTrailRecord(json, origin)).toEqual({
      eventID: 'f1',
      eventTime: '2023-07-10T12:11:15Z',
      eventSource: 'ec2.amazonaws.com',
      eventName: 'CreateVolume',
      awsRegion: 'us-east-1',
      recipientAccountId: '123837392027',
      readOnly: false,
      errorCode: 'Client.UnauthorizedOperation',
      identityType: 'IAMUser',
      principal: 'arn:aws:iam::1:user/bert-jan',
      sourceIPAddress: '192.168.10.20',
      json,
      origin,
    });
  });

  it('takes an Insight record source and name from its insightDetails', () => {
    const insight = otelRecords.find((record) => record.eventCategory === 'Insight')!;
    const record = toCloudTrailRecord(JSON.stringify(insight), origin);
    expect(record).toMatchObject({
      eventSource: 'ssm.amazonaws.com',
      eventName: 'UpdateInstanceInformation',
      identityType: null,
      principal: null,
      readOnly: null,
    });
  });

  it('reads every record of a file with unusual identities', () => {
    const records = otelRecords.map((record, index) =>
      toCloudTrailRecord(JSON.stringify(record), { ...origin, index }),
    );
    expect(records.map((record) => [record.identityType, record.principal])).toEqual([
      ['IAMUser', 'arn:aws:iam::123456789012:user/Mateo'],
      ['IAMUser', 'arn:aws:iam::123456789012:user/Mary'],
      ['AssumedRole', 'arn:aws:iam::123456789012:user/Bob'],
      [null, null],
      ['IAMUser', 'arn:aws:iam::111122223333:user/Terry'],
      ['IdentityCenterUser', 'arn:aws:iam::123456789012:user/identity-center-user'],
      [null, 'AWS Internal'],
    ]);
  });

  it('falls back to the principal id and then to the invoking service', () => {
    const principal = (userIdentity: object) =>
      toCloudTrailRecord(
        JSON.stringify({
          eventID: 'a',
          eventTime: 't',
          eventSource: 's',
          eventName: 'n',
          awsRegion: 'r',
          userIdentity,
        }),
        origin,
      ).principal;
    expect(principal({ type: 'Root', principalId: '123' })).toBe('123');
    expect(principal({ type: 'AWSService', invokedBy: 'cloudtrail.amazonaws.com' })).toBe(
      'cloudtrail.amazonaws.com',
    );
  });

  it.each([
    [
      '{"eventTime":"t","eventSource":"s","eventName":"n","awsRegion":"r"}',
      'invalid-record',
      'record 4 has no eventID',
    ],
    [
      '{"eventID":"","eventTime":"t","eventSource":"s","eventName":"n","awsRegion":"r"}',
      'invalid-record',
      'record 4 has no eventID',
    ],
    [
      '{"eventID":"a","eventTime":"t","eventName":"n","awsRegion":"r"}',
      'invalid-record',
      'record 4 has no eventSource',
    ],
    ['[1]', 'record-not-json', 'record 4 is not an object'],
    ['{"eventID": nope}', 'record-not-json', 'record 4: Unexpected token'],
  ])('refuses %s', (json, reason, message) => {
    const error = (() => {
      try {
        toCloudTrailRecord(json, origin);
      } catch (caught) {
        return caught as CloudTrailRecordError;
      }
      throw new Error('expected an error');
    })();
    expect(error).toBeInstanceOf(CloudTrailRecordError);
    expect(error.reason).toBe(reason);
    expect(error.message).toContain(message);
  });
});
