import { readFileSync } from 'node:fs';
import { toLogEntry } from '@trailstream/datadog';
import { readFixture } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { mapRecord } from './map-record.js';
import { defaultRulesPath } from './rules/default-rules.js';
import { parseRules } from './rules/parse-rules.js';

/**
 * Trailstream's log for a record against what the Datadog Forwarder's own tests approve for it
 * (DataDog/datadog-serverless-functions, fixtures in cloudtrail/datadog-serverless-functions).
 * Attributes only the Lambda, or its CloudWatch Logs input, can give are excepted, each named here.
 */
const excepted = {
  // The Forwarder's Lambda context (aws.function_version, aws.invoked_function_arn), and its ddtags
  // (forwardername, forwarder_version, which name the Lambda; Trailstream's tags are its own).
  s3: { top: ['ddtags'], aws: ['function_version', 'invoked_function_arn'] },
  // Its CloudWatch Logs input besides: the event's id and ingestion timestamp, aws.awslogs, and the
  // record left in `message` (compared field by field after parsing it). Host is compared apart: that
  // path names the log group unless the ARN names an instance.
  cloudwatch: {
    top: ['ddtags', 'id', 'timestamp', 'host', 'message'],
    aws: ['function_version', 'invoked_function_arn', 'awslogs'],
  },
};

const rules = parseRules(readFileSync(defaultRulesPath, 'utf8'));
const folder = 'cloudtrail/datadog-serverless-functions';
const redacted = '<redacted from snapshot>';

/** The entry exactly as sent, parsed back: what Datadog's intake receives. */
function sentLog(record: unknown, location: { bucket: string; key: string } | null) {
  const json = JSON.stringify(record);
  const [output] = mapRecord(json, rules, { mode: 'logs', logService: 'cloudtrail' }, location).outputs;
  return JSON.parse(toLogEntry(output!.log!).json) as Record<string, unknown>;
}

/** Values the snapshot redacted are whatever the input held. */
function withRedactionsFrom(expected: unknown, actual: unknown): unknown {
  if (expected === redacted) return actual;
  if (typeof expected !== 'object' || expected === null || typeof actual !== 'object' || actual === null)
    return expected;
  if (Array.isArray(expected))
    return expected.map((item, i) => withRedactionsFrom(item, (actual as unknown[])[i]));
  return Object.fromEntries(
    Object.entries(expected).map(([key, value]) => [
      key,
      withRedactionsFrom(value, (actual as Record<string, unknown>)[key]),
    ]),
  );
}

function without(
  fields: { top: string[]; aws: string[] },
  entry: Record<string, unknown>,
): Record<string, unknown> {
  const copy: Record<string, unknown> = { ...entry };
  for (const field of fields.top) delete copy[field];
  const aws = { ...(copy.aws as Record<string, unknown>) };
  for (const field of fields.aws) delete aws[field];
  if (Object.keys(aws).length === 0) delete copy.aws;
  else copy.aws = aws;
  return copy;
}

describe("the Datadog Forwarder's structured CloudTrail log, field by field", () => {
  it('S3 path (test_cloudtrail_s3.py): the record, aws.s3, ddsource, ddsourcecategory, service, and host after enrichment', () => {
    const { Records } = JSON.parse(readFixture(folder, 'test_cloudtrail_s3__record.json').toString()) as {
      Records: Record<string, unknown>[];
    };
    const bucket = 'test-bucket';
    const key = '601427279990_CloudTrail_us-east-1_20210503T0000Z_QrttGEk4ZcBTLwj5.json.gz';
    for (const record of Records) {
      // What the test expects after parsing and enrichment, Lambda context left out.
      const expected = {
        ...record,
        ddsource: 'cloudtrail',
        ddsourcecategory: 'aws',
        service: 'cloudtrail',
        aws: { s3: { bucket, key } },
        host: 'i-08014e4f62ccf762d',
      };
      const sent = sentLog(record, { bucket, key });
      expect(typeof sent.ddtags).toBe('string');
      expect(without(excepted.s3, sent)).toEqual(expected);
    }
  });

  const snapshots = [
    'tools__integration_tests__snapshots__cloudwatch_log_cloudtrail.json',
    'tools__integration_tests__snapshots-cache-test__cloudwatch_log_cloudtrail.json',
  ];
  it.each(snapshots)('%s: every record of the snapshot, its fields and the Forwarder attributes', (input) => {
    const payload = JSON.parse(readFixture(folder, input).toString()) as {
      logEvents: { id: string; message: string }[];
    };
    const snapshot = JSON.parse(readFixture(folder, `${input}.snapshot.json`).toString()) as {
      events: { data: Record<string, unknown>[] }[];
    };
    const approved = snapshot.events.flatMap((e) => e.data).filter((d) => d.ddsource === 'cloudtrail');
    expect(approved).toHaveLength(payload.logEvents.length);
    for (const [index, approvedLog] of approved.entries()) {
      const record = JSON.parse(payload.logEvents[index]!.message) as Record<string, unknown>;
      const sent = sentLog(record, null);
      // On this path the Forwarder leaves the record in `message`, which Datadog's intake parses into
      // the same top-level attributes the structured shape sends directly.
      const approvedRecord = withRedactionsFrom(JSON.parse(String(approvedLog.message)), record) as Record<
        string,
        unknown
      >;
      const expected = { ...approvedRecord, ...without(excepted.cloudwatch, approvedLog) };
      expect(without(excepted.cloudwatch, sent)).toEqual(expected);
      // The Forwarder's host for an instance session is the instance; otherwise this path's log group
      // (or none), where Trailstream, reading S3, sets no host.
      const instanceHost = /^i-[0-9a-f]+$/.test(String(approvedLog.host));
      expect(sent.host).toBe(instanceHost ? approvedLog.host : undefined);
    }
  });
});
