import { readFileSync } from 'node:fs';
import { toLogEntry } from '@trailstream/datadog';
import { describe, expect, it } from 'vitest';
import { datadogLogProblems } from '../../test/datadog-event-problems.js';
import { mapRecord } from '../map-record.js';
import { defaultRulesPath } from '../rules/default-rules.js';
import { parseRules } from '../rules/parse-rules.js';
import { extentBounds, recordExtent } from './log-attributes.js';
import { appendMembers } from './map-to-log.js';

const rules = parseRules(readFileSync(defaultRulesPath, 'utf8'));
const location = { bucket: 'trail', key: 'AWSLogs/123456789012/CloudTrail/eu-west-1/2024/05/01/f.json.gz' };
const record = (fields: Record<string, unknown>) =>
  JSON.stringify({
    eventID: 'e1',
    eventTime: '2024-05-01T10:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'RunInstances',
    awsRegion: 'eu-west-1',
    recipientAccountId: '123456789012',
    userIdentity: { type: 'IAMUser', userName: 'alice', arn: 'arn:aws:iam::123456789012:user/alice' },
    ...fields,
  });
const logOf = (json: string) => {
  const [output] = mapRecord(json, rules, { mode: 'logs', logService: 'cloudtrail' }, location).outputs;
  return output!.log!;
};
const sent = (json: string) => JSON.parse(toLogEntry(logOf(json)).json) as Record<string, unknown>;

/** `{ a: { a: ... { leaf } } }`, `levels` deep. */
const nested = (levels: number): unknown => (levels === 0 ? 'leaf' : { a: nested(levels - 1) });

describe('a log in the Forwarder shape', () => {
  it('is the record text with the Forwarder attributes appended, whitespace and all', () => {
    expect(appendMembers('{"a":1}', '"b":2')).toBe('{"a":1,"b":2}');
    expect(appendMembers('{ }', '"b":2')).toBe('{"b":2}');
    expect(appendMembers('{\n  "a": 1\n}\n', '"b":2')).toBe('{\n  "a": 1,"b":2}');
    const json = record({});
    expect(logOf(json).attributes.startsWith(json.slice(0, -1))).toBe(true);
  });

  it('keeps a record nested past Datadog’s 9 levels whole: the deep part as a marked JSON string', () => {
    const json = record({ requestParameters: { policy: nested(12) } });
    const entry = sent(json);
    // requestParameters is level 1, policy 2, its keys from 3: the object at level 9 becomes text.
    const path = `requestParameters.policy${'.a'.repeat(7)}`;
    expect(entry.trailstream).toEqual({ json_string_attributes: [path] });
    let value: unknown = entry;
    for (const key of path.split('.')) value = (value as Record<string, unknown>)[key];
    expect(JSON.parse(value as string)).toEqual(nested(5));
    expect(datadogLogProblems(logOf(json))).toEqual([]);
    expect(datadogLogProblems({ attributes: appendMembers(json, '"ddsource":"x"'), ddtags: '' })).toEqual([
      'nested 14 levels',
    ]);
  });

  it('keeps a record with over 255 attributes whole: its largest fields as marked JSON strings', () => {
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`k${i}`, i]));
    const json = record({ responseElements: many, requestParameters: { small: true } });
    const entry = sent(json);
    expect(entry.trailstream).toEqual({ json_string_attributes: ['responseElements'] });
    expect(JSON.parse(entry.responseElements as string)).toEqual(many);
    expect(entry.requestParameters).toEqual({ small: true });
    expect(datadogLogProblems(logOf(json))).toEqual([]);
  });

  it('counts the elements of an array as the attributes they share, as Datadog does', () => {
    const resources = Array.from({ length: 400 }, (_, i) => ({ ARN: `arn:${i}`, type: 'AWS::S3::Object' }));
    const entry = sent(record({ resources }));
    expect(entry.trailstream).toBeUndefined();
    expect(entry.resources).toEqual(resources);
  });

  it('merges a record’s own aws object and moves aside any field the shape would overwrite', () => {
    const entry = sent(record({ aws: { own: 1 }, service: 'mine', ddtags: 'x:y' }));
    expect(entry.aws).toEqual({ own: 1, s3: location });
    expect(entry.service).toBe('cloudtrail');
    expect(entry.trailstream).toEqual({ shadowed_fields: { service: 'mine', ddtags: 'x:y' } });
    expect(typeof entry.ddtags).toBe('string');
    expect(entry.ddtags).not.toBe('x:y');
  });

  it('sets host the way the Forwarder does: the instance of an instance-profile session', () => {
    const arn = 'arn:aws:sts::123456789012:assumed-role/ec2-role/i-0123456789abcdef0';
    expect(sent(record({ userIdentity: { type: 'AssumedRole', arn } })).host).toBe('i-0123456789abcdef0');
    expect(sent(record({})).host).toBeUndefined();
  });
});

describe('the bounds of a record', () => {
  it('are its exact depth and at least its attribute count', () => {
    const event = { a: { b: [1, { c: 'x' }, { c: 'y' }] }, d: [], e: {} };
    expect(extentBounds(event)).toEqual({ attributes: 5, depth: 3 });
    expect(recordExtent(event)).toEqual({ attributes: 4, depth: 3 });
  });
});
