import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  BYPASS_DEDUPE_HEADER,
  bypassesDedupe,
  bypassingDedupe,
  type CloudTrailRecord,
  type Contract,
  ContractError,
  cloudTrailRecordContract,
  type DatadogOutput,
  type DeadLetter,
  datadogOutputContract,
  deadLetterContract,
  logFileHashContract,
  type ObjectRef,
  objectRefContract,
  objectRefKey,
  objectRefMessage,
  SCHEMA_HEADER,
  SCHEMA_VERSION_HEADER,
} from './index.js';

const objectRef: ObjectRef = {
  bucket: 'trail-bucket',
  key: 'AWSLogs/123456789012/CloudTrail/eu-west-1/2024/05/01/file name ü.json.gz',
  region: 'eu-west-1',
  size: 1234,
  etag: '"abc"',
  foundBy: 'sqs',
  discoveredAt: 1_714_521_600_000,
  sequencer: '0055AED6DCD90281E5',
  versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
};

const record: CloudTrailRecord = {
  eventID: 'e1',
  eventTime: '2024-05-01T10:00:00Z',
  eventSource: 'ec2.amazonaws.com',
  eventName: 'TerminateInstances',
  awsRegion: 'eu-west-1',
  recipientAccountId: '123456789012',
  readOnly: false,
  errorCode: null,
  identityType: 'IAMUser',
  principal: 'arn:aws:iam::123456789012:user/alice',
  sourceIPAddress: '192.0.2.1',
  json: '{"eventID":"e1"}',
  origin: { bucket: 'b', key: 'k', etag: null, index: 3 },
};

const event: DatadogOutput = {
  kind: 'event',
  eventID: 'e1',
  eventTime: '2024-05-01T10:00:00Z',
  event: {
    title: 'alice ran TerminateInstances in eu-west-1',
    text: 'text',
    dateHappened: 1_714_557_600,
    tags: ['region:eu-west-1'],
    aggregationKey: 'ec2.amazonaws.com:TerminateInstances',
    alertType: 'info',
    priority: 'normal',
    sourceTypeName: 'cloudtrail',
    host: null,
  },
  log: null,
};

const log: DatadogOutput = {
  kind: 'log',
  eventID: 'e1',
  eventTime: '2024-05-01T10:00:00Z',
  event: null,
  log: {
    attributes: '{"eventID":"e1","aws":{"s3":{"bucket":"b","key":"k"}},"ddsource":"cloudtrail"}',
    ddtags: 'a:b',
  },
};

const deadLetter: DeadLetter = {
  stage: 'fetcher-parser',
  reasonClass: 'truncated-gzip',
  reasonMessage: 'unexpected end of file',
  attempts: 1,
  failedAt: 1_714_521_600_000,
  originalKey: Buffer.from('s3://b/k'),
  originalValue: Buffer.from([1, 2, 3]),
  originalHeaders: [{ key: SCHEMA_HEADER, value: Buffer.from('trailstream.ObjectRef') }],
  originalTopic: 'trailstream.objects',
  originalPartition: 2,
  originalOffset: '42',
  originalValueBytes: 2_000_000,
  originalValueSha256: 'ab'.repeat(32),
  originalRecord: { bucket: 'trail-bucket', key: 'AWSLogs/1/f.json.gz', etag: 'e', index: 17 },
};

const roundTrips: [string, Contract<never>, unknown][] = [
  ['object reference', objectRefContract as Contract<never>, objectRef],
  ['record', cloudTrailRecordContract as Contract<never>, record],
  ['event output', datadogOutputContract as Contract<never>, event],
  ['log output', datadogOutputContract as Contract<never>, log],
  ['dead letter', deadLetterContract as Contract<never>, deadLetter],
  [
    'dead letter of the integrity stage',
    deadLetterContract as Contract<never>,
    { ...deadLetter, stage: 'integrity' },
  ],
  [
    'log file hash',
    logFileHashContract as Contract<never>,
    {
      bucket: 'b',
      key: 'AWSLogs/k.json.gz',
      sha256: 'ab'.repeat(32),
      bytes: 1234,
      hashedAt: 1_714_521_600_000,
    },
  ],
];

describe('contracts', () => {
  it.each(roundTrips)('%s survives encode and decode unchanged', (_, contract, value) => {
    const encoded = contract.encode(value as never);
    expect(encoded.headers).toEqual({
      [SCHEMA_HEADER]: contract.name,
      [SCHEMA_VERSION_HEADER]: String(contract.version),
    });
    expect(contract.decode(encoded.value, encoded.headers)).toEqual(value);
  });

  it('keeps every encoded message intact while more are encoded, small ones and larger than a slab', () => {
    const records = Array.from({ length: 2_000 }, (_, index) => ({
      ...record,
      eventID: `e${index}`,
      // Now and then a record over 64 KiB: the slab cannot hold it and is replaced.
      json: JSON.stringify({ eventID: `e${index}`, pad: 'x'.repeat(index % 500 === 0 ? 100_000 : index) }),
      origin: { ...record.origin, index },
    }));
    const encoded = records.map((value) => cloudTrailRecordContract.encode(value));
    expect(new Set(encoded.map((message) => message.value.buffer)).size).toBeLessThan(records.length / 10);
    encoded.forEach((message, index) => {
      expect(cloudTrailRecordContract.decode(message.value, message.headers)).toEqual(records[index]);
    });
  });

  it('refuses a message written with another schema', () => {
    const encoded = objectRefContract.encode(objectRef);
    expect(() => cloudTrailRecordContract.decode(encoded.value, encoded.headers)).toThrow(
      /expected a trailstream.CloudTrailRecord message, got trailstream.ObjectRef/,
    );
  });

  it('refuses a version it does not know, and bytes that do not decode', () => {
    const encoded = objectRefContract.encode(objectRef);
    expect(() =>
      objectRefContract.decode(encoded.value, { ...encoded.headers, [SCHEMA_VERSION_HEADER]: '99' }),
    ).toThrow(ContractError);
    expect(() => objectRefContract.decode(Buffer.from('not avro'), encoded.headers)).toThrow(ContractError);
  });

  it('keys an object reference by its s3 URL, in the message too', () => {
    expect(objectRefKey(objectRef)).toBe(`s3://trail-bucket/${objectRef.key}`);
    const message = objectRefMessage(objectRef);
    expect(message.key).toBe(objectRefKey(objectRef));
    expect(objectRefContract.decode(message.value, message.headers)).toEqual(objectRef);
  });

  it('marks a reference that bypasses the duplicate check in a header, and only "true" counts', () => {
    const plain = objectRefMessage(objectRef);
    const forced = bypassingDedupe(plain);
    expect(forced.headers[BYPASS_DEDUPE_HEADER]).toBe('true');
    expect(bypassesDedupe(forced.headers)).toBe(true);
    expect(bypassesDedupe(plain.headers)).toBe(false);
    expect(bypassesDedupe({ [BYPASS_DEDUPE_HEADER]: Buffer.from('true') })).toBe(true);
    expect(bypassesDedupe({ [BYPASS_DEDUPE_HEADER]: 'yes' })).toBe(false);
    expect(objectRefContract.decode(forced.value, forced.headers)).toEqual(objectRef);
    expect(plain.headers[BYPASS_DEDUPE_HEADER]).toBeUndefined();
  });
});

describe('schema compatibility', () => {
  const contracts = [
    objectRefContract,
    cloudTrailRecordContract,
    datadogOutputContract,
    deadLetterContract,
    logFileHashContract,
  ];

  it.each(contracts.map((c) => [c.name, c] as const))(
    '%s reads every older version kept in the package',
    (_, contract) => {
      for (const [version, writer] of contract.versions) {
        // A resolver can only be built when every field the reader needs has a writer value or a default.
        const resolver = contract.type.createResolver(writer);
        const sample = writer.random();
        const read = contract.type.fromBuffer(writer.toBuffer(sample), resolver);
        expect(contract.type.isValid(read), `${contract.name} v${version}`).toBe(true);
      }
    },
  );

  it('a decoded v1 object reference gets the defaults of the fields added since', () => {
    const v1 = objectRefContract.versions.get(1)!;
    const { sequencer: _, versionId: __, ...v1Value } = objectRef;
    const decoded = objectRefContract.decode(v1.toBuffer(v1Value), {
      [SCHEMA_HEADER]: objectRefContract.name,
      [SCHEMA_VERSION_HEADER]: '1',
    });
    expect(decoded).toEqual({ ...objectRef, sequencer: null, versionId: null });
  });

  it('a decoded v2 object reference keeps its sequencer and gets no version id', () => {
    const v2 = objectRefContract.versions.get(2)!;
    const { versionId: _, ...v2Value } = objectRef;
    const decoded = objectRefContract.decode(v2.toBuffer(v2Value), {
      [SCHEMA_HEADER]: objectRefContract.name,
      [SCHEMA_VERSION_HEADER]: '2',
    });
    expect(decoded).toEqual({ ...objectRef, versionId: null });
  });

  it('the current object reference carries the version id through Kafka', () => {
    const encoded = objectRefContract.encode(objectRef);
    expect(encoded.headers[SCHEMA_VERSION_HEADER]).toBe('3');
    expect(objectRefContract.decode(encoded.value, encoded.headers).versionId).toBe(objectRef.versionId);
  });

  it('a decoded v1 dead letter reads as whole, with no record origin', () => {
    const v1 = deadLetterContract.versions.get(1)!;
    const { originalValueBytes: _, originalValueSha256: __, originalRecord: ___, ...v1Value } = deadLetter;
    const decoded = deadLetterContract.decode(v1.toBuffer({ ...v1Value, stage: 'fetcher_parser' }), {
      [SCHEMA_HEADER]: deadLetterContract.name,
      [SCHEMA_VERSION_HEADER]: '1',
    });
    expect(decoded).toEqual({
      ...deadLetter,
      originalValueBytes: null,
      originalValueSha256: null,
      originalRecord: null,
    });
  });

  it('a v1 log (the record as a message string) decodes to the entry v1 code sent', () => {
    const v1 = datadogOutputContract.versions.get(1)!;
    const record = '{"eventID":"e1","eventTime":"2024-05-01T10:00:00Z"}';
    const written = {
      ...log,
      log: { message: record, ddsource: 'cloudtrail', service: 'audit', ddtags: 'a:b', hostname: 'i-0abc' },
    };
    const decoded = datadogOutputContract.decode(v1.toBuffer(written), {
      [SCHEMA_HEADER]: datadogOutputContract.name,
      [SCHEMA_VERSION_HEADER]: '1',
    });
    expect(decoded.log).toEqual({ attributes: expect.any(String), ddtags: 'a:b' });
    expect(JSON.parse(decoded.log!.attributes)).toEqual({
      message: record,
      ddsource: 'cloudtrail',
      service: 'audit',
      hostname: 'i-0abc',
    });
  });

  it('a v2 log is written with none of the v1 fields', () => {
    const v2 = datadogOutputContract.versions.get(2)!;
    const wire = v2.fromBuffer(datadogOutputContract.encode(log).value) as { log: Record<string, unknown> };
    expect(wire.log).toEqual({
      attributes: log.log!.attributes,
      ddtags: 'a:b',
      message: null,
      ddsource: null,
      service: null,
      hostname: null,
    });
  });

  it('a change that drops a default is caught', () => {
    const breaking = avro.Type.forSchema({
      type: 'record',
      name: 'ObjectRef',
      namespace: 'trailstream',
      fields: [{ name: 'mustHave', type: 'string' }],
    });
    expect(() => breaking.createResolver(objectRefContract.versions.get(1)!)).toThrow();
  });
});
