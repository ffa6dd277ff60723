import { readFileSync } from 'node:fs';
import { datadogOutputContract } from '@trailstream/schemas';
import { loadFixtureRecords } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { datadogEventProblems } from '../test/datadog-event-problems.js';
import { type MappingOptions, mapRecord } from './map-record.js';
import { MappingError } from './mapping-error.js';
import { defaultRulesPath } from './rules/default-rules.js';
import { parseRules } from './rules/parse-rules.js';

const defaultRules = parseRules(readFileSync(defaultRulesPath, 'utf8'));
const everything = parseRules('include:\n  - name: everything\n    match: { eventID: { present: true } }\n');
const events: MappingOptions = { mode: 'events', logService: 'cloudtrail' };
const { records } = loadFixtureRecords();

function fixture(file: string, index: number): string {
  const found = records.find((r) => r.file === `cloudtrail/${file}` && r.index === index);
  if (found === undefined) throw new Error(`no record ${index} in ${file}`);
  return found.json;
}

const otel = 'otel-collector-contrib-awslogsencoding/cloudtraillog-testdata/cloudtrail_log.json';
const panther = 'panther-analysis/panther_rule_tests_cloudtrail.jsonl';
const base = (account: string, region: string, source: string, name: string) => [
  'source:cloudtrail',
  `aws_account:${account}`,
  `region:${region}`,
  `eventsource:${source}.amazonaws.com`,
  `eventname:${name}`,
];

// Representative records: every identity type, an error, console sign-ins both ways, an Insight, an instance.
const representative: {
  file: string;
  index: number;
  rule: string | null;
  title: string;
  alertType: string;
  /** When the default rule overrides the alert type. */
  alertTypeByDefault?: string;
  priority?: string;
  host?: string;
  tags: string[];
}[] = [
  {
    file: otel,
    index: 0,
    rule: 'changes-to-watched-services',
    title: 'Mateo ran StartInstances in us-east-1',
    alertType: 'info',
    tags: [...base('123456789012', 'us-east-1', 'ec2', 'startinstances'), 'user:mateo', 'user_type:iamuser'],
  },
  {
    file: otel,
    index: 3,
    rule: 'insights',
    title: 'CloudTrail Insight Start: ApiCallRateInsight for UpdateInstanceInformation in us-east-1',
    alertType: 'info',
    alertTypeByDefault: 'warning',
    tags: [...base('123456789012', 'us-east-1', 'ssm', 'updateinstanceinformation'), 'user_type:insight'],
  },
  {
    file: otel,
    index: 4,
    rule: 'failed-calls-to-watched-services',
    title: 'Terry failed to run UpdateTrail in us-east-1 (TrailNotFoundException)',
    alertType: 'error',
    tags: [
      ...base('111122223333', 'us-east-1', 'cloudtrail', 'updatetrail'),
      'user:terry',
      'user_type:iamuser',
      'error_code:trailnotfoundexception',
    ],
  },
  {
    file: otel,
    index: 5,
    rule: 'console-sign-ins',
    title: 'identity-center-user signed in to the AWS console',
    alertType: 'info',
    tags: [
      ...base('123456789012', 'us-east-1', 'signin', 'consolelogin'),
      'user:identity-center-user',
      'user_type:identitycenteruser',
    ],
  },
  {
    file: otel,
    index: 6,
    rule: 'changes-to-other-services',
    title: 'AWS Internal ran RotateKey in us-west-2',
    alertType: 'info',
    priority: 'low',
    tags: [
      ...base('111122223333', 'us-west-2', 'kms', 'rotatekey'),
      'user:aws_internal',
      'user_type:awsservice',
    ],
  },
  {
    file: 'datadog-serverless-functions/test_cloudtrail_s3__record.json',
    index: 0,
    rule: null,
    title: 'i-08014e4f62ccf762d as Siti_DatadogAWSIntegrationRole ran DescribeTable in us-east-1',
    alertType: 'info',
    host: 'i-08014e4f62ccf762d',
    tags: [
      ...base('601427279990', 'us-east-1', 'dynamodb', 'describetable'),
      'user:siti_datadogawsintegrationrole/i-08014e4f62ccf762d',
      'user_type:assumedrole',
    ],
  },
  {
    file: 'panther-analysis/scenario__compromised-root-creds__attacker_cloudtrail.json',
    index: 4,
    rule: 'failed-calls-to-watched-services',
    title: 'root failed to run StopLogging in us-east-1 (NotOrganizationMasterAccountException)',
    alertType: 'error',
    tags: [
      ...base('493859302102', 'us-east-1', 'cloudtrail', 'stoplogging'),
      'user:root',
      'user_type:root',
      'error_code:notorganizationmasteraccountexception',
    ],
  },
  {
    file: panther,
    index: 66,
    rule: 'console-sign-ins',
    title: 'root signed in to the AWS console',
    alertType: 'warning',
    tags: [...base('123456789012', 'us-east-1', 'signin', 'consolelogin'), 'user:root', 'user_type:root'],
  },
  {
    file: panther,
    index: 47,
    rule: 'console-sign-ins',
    title: 'anaya failed to sign in to the AWS console',
    alertType: 'warning',
    tags: [...base('111122223333', 'us-east-1', 'signin', 'consolelogin'), 'user:anaya', 'user_type:iamuser'],
  },
  {
    file: panther,
    index: 3,
    rule: 'changes-to-watched-services',
    title: 'federated user federated-user ran UpdateFunctionConfiguration20150331v2 in us-west-2',
    alertType: 'info',
    tags: [
      ...base('123456789012', 'us-west-2', 'lambda', 'updatefunctionconfiguration20150331v2'),
      'user:federated-user',
      'user_type:federateduser',
    ],
  },
  {
    file: panther,
    index: 100,
    rule: null,
    title: 'account 111122223333 ran AssumeRole in us-east-1',
    alertType: 'info',
    tags: [
      ...base('111122223333', 'us-east-1', 'sts', 'assumerole'),
      'user:111122223333',
      'user_type:awsaccount',
    ],
  },
];

describe('mapRecord on representative fixture records', () => {
  it.each(representative)('$title', (expected) => {
    const json = fixture(expected.file, expected.index);
    const byDefault = mapRecord(json, defaultRules, events);
    expect(byDefault.decision.kind === 'included' ? byDefault.decision.rule.name : null).toBe(expected.rule);

    // With a rule that selects everything, every record shows the mapping itself.
    const [output] = mapRecord(json, everything, events).outputs;
    const event = output!.event!;
    expect({ title: event.title, alertType: event.alertType, host: event.host, tags: event.tags }).toEqual({
      title: expected.title,
      alertType: expected.alertType,
      host: expected.host ?? null,
      tags: expected.tags,
    });
    if (byDefault.decision.kind === 'included') {
      expect(byDefault.outputs[0]!.event).toMatchObject({
        priority: expected.priority ?? 'normal',
        alertType: expected.alertTypeByDefault ?? expected.alertType,
      });
    }
    expect(datadogEventProblems(event)).toEqual([]);
  });

  it('produces exactly this event and log for a denied call from an assumed role', () => {
    const json = fixture(
      'invictus-ir-aws_dataset/CloudTrail/218007301253_CloudTrail_us-east-1_20230710T1200Z_iLj9fb7yyUG9X4Bf.json',
      11,
    );
    const { outputs } = mapRecord(json, defaultRules, { mode: 'both', logService: 'cloudtrail' });
    const role = 'stratus-red-team-ec2-get-password-data-role';
    const session = 'aws-go-sdk-1688990082523310002';
    const tags = [
      ...base('123837392027', 'us-east-1', 'ec2', 'getpassworddata'),
      `user:${role}/${session}`,
      'user_type:assumedrole',
      'error_code:client.unauthorizedoperation',
    ];
    expect(outputs).toEqual([
      {
        kind: 'event',
        eventID: 'fbd91225-39aa-4c00-822c-9f0b96e7758f',
        eventTime: '2023-07-10T11:54:48Z',
        log: null,
        event: {
          title: `${session} as ${role} failed to run GetPass…`,
          text: expect.any(String),
          dateHappened: 1_688_990_088,
          tags,
          aggregationKey: 'ec2.amazonaws.com:GetPasswordData',
          alertType: 'error',
          priority: 'normal',
          sourceTypeName: 'cloudtrail',
          host: null,
        },
      },
      {
        kind: 'log',
        eventID: 'fbd91225-39aa-4c00-822c-9f0b96e7758f',
        eventTime: '2023-07-10T11:54:48Z',
        event: null,
        log: { attributes: expect.any(String), ddtags: tags.join(',') },
      },
    ]);
    // The Forwarder's shape: the record's own fields unchanged, with its attributes beside them.
    expect(JSON.parse(outputs[1]!.log!.attributes)).toEqual({
      ...JSON.parse(json),
      ddsource: 'cloudtrail',
      ddsourcecategory: 'aws',
      service: 'cloudtrail',
    });
    const text = outputs[0]!.event!.text;
    expect(text.split('\n').slice(0, 8)).toEqual([
      '%%% ',
      `**${session} as ${role}** (AssumedRole) called **GetPasswordData** on ec2.amazonaws.com`,
      '',
      `- **Principal:** \`arn:aws:sts::123837392027:assumed-role/${role}/${session}\``,
      '- **Account:** `123837392027`',
      '- **Region:** `us-east-1`',
      '- **Source IP:** `192.168.10.20`',
      '- **User agent:** `stratus-red-team_39f95f43-cd2f-4beb-b69e-be60b6fe1f57`',
    ]);
    expect(text).toMatch(
      /^- \*\*Error:\*\* `Client\.UnauthorizedOperation` You are not authorized to perform/m,
    );
    expect(text).toContain('- **Matched rule:** `failed-calls-to-watched-services`');
    expect(
      text.endsWith(
        '**Request parameters:**\n```json\n{\n  "instanceId": "i-durz4ux740gjqvcm"\n}\n```\n %%%',
      ),
    ).toBe(true);
    // What the emitter will read back from the topic.
    for (const output of outputs) {
      const encoded = datadogOutputContract.encode(output);
      expect(datadogOutputContract.decode(encoded.value, encoded.headers)).toEqual(output);
    }
  });
});

const ec2Change = (overrides: Record<string, unknown> = {}) =>
  JSON.stringify({
    eventID: 'e-1',
    eventTime: '2024-05-01T10:00:00Z',
    eventSource: 'ec2.amazonaws.com',
    eventName: 'TerminateInstances',
    awsRegion: 'eu-west-1',
    recipientAccountId: '123456789012',
    readOnly: false,
    userIdentity: { type: 'IAMUser', userName: 'alice', arn: 'arn:aws:iam::123456789012:user/alice' },
    ...overrides,
  });

describe('mapRecord', () => {
  it('turns events, logs or both on by mode; logs carry records no include rule picked', () => {
    const readOnly = ec2Change({ readOnly: true });
    const kinds = (json: string, mode: MappingOptions['mode']) =>
      mapRecord(json, defaultRules, { mode, logService: 'cloudtrail' }).outputs.map((o) => o.kind);
    expect(kinds(ec2Change(), 'events')).toEqual(['event']);
    expect(kinds(ec2Change(), 'logs')).toEqual(['log']);
    expect(kinds(ec2Change(), 'both')).toEqual(['event', 'log']);
    expect(kinds(readOnly, 'events')).toEqual([]);
    expect(kinds(readOnly, 'both')).toEqual(['log']);
  });

  it('drops what an exclude rule matches from events and logs alike', () => {
    const rules = parseRules(`
include: [{ name: all, match: { eventName: '*' } }]
exclude: [{ name: alice, match: { userIdentity.userName: alice } }]
`);
    const mapped = mapRecord(ec2Change(), rules, { mode: 'both', logService: 'cloudtrail' });
    expect(mapped).toMatchObject({ decision: { kind: 'excluded', rule: { name: 'alice' } }, outputs: [] });
  });

  it('applies a rule’s priority, alert type, tags and title', () => {
    const rules = parseRules(`
include:
  - name: terminations
    match: { eventName: TerminateInstances }
    priority: low
    alertType: success
    tags: [Team:Compute, env:prod]
    title: "{actor} terminated {requestParameters.instancesSet.items} ({service}, {account})"
`);
    const [output] = mapRecord(
      ec2Change({ requestParameters: { instancesSet: { items: ['i-1'] } } }),
      rules,
      events,
    ).outputs;
    expect(output!.event).toMatchObject({
      title: 'alice terminated ["i-1"] (ec2, 123456789012)',
      priority: 'low',
      alertType: 'success',
      tags: expect.arrayContaining(['team:compute', 'env:prod', 'user:alice']),
    });
  });

  it('keeps huge request parameters within 4000 characters and the Markdown closed', () => {
    const requestParameters = {
      policyDocument: `\`\`\`${'x'.repeat(100_000)}`,
      nested: { a: 'é'.repeat(5000) },
    };
    const resources = Array.from({ length: 50 }, (_, i) => ({
      ARN: `arn:aws:s3:::bucket-${i}/${'k'.repeat(250)}`,
    }));
    const [output] = mapRecord(
      ec2Change({
        requestParameters,
        resources,
        userAgent: 'u'.repeat(5000),
        errorMessage: 'm'.repeat(5000),
      }),
      defaultRules,
      events,
    ).outputs;
    const { text } = output!.event!;
    expect(datadogEventProblems(output!.event!)).toEqual([]);
    expect(text.length).toBeLessThanOrEqual(4000);
    expect(text).toMatch(/^- …and \d+ more$/m);
    // The content holds a ``` run, so the fence must be longer to stay a fence.
    expect(text).toMatch(/^````json$/m);
  });

  it('cuts a long title and aggregation key to Datadog’s 100 characters', () => {
    const [output] = mapRecord(
      ec2Change({ eventName: `Terminate${'X'.repeat(200)}` }),
      defaultRules,
      events,
    ).outputs;
    expect(output!.event!.title).toHaveLength(100);
    expect(output!.event!.title.endsWith('…')).toBe(true);
    expect(output!.event!.aggregationKey).toHaveLength(100);
  });

  it('refuses a log entry over Datadog’s 1 MB, and keeps a large one whole under it', () => {
    const logs: MappingOptions = { mode: 'logs', logService: 'cloudtrail' };
    // A structured entry is not escaped a second time: 600 KB of quotes stay about 600 KB.
    const quoted = ec2Change({ requestParameters: { document: '"'.repeat(300_000) } });
    const [kept] = mapRecord(quoted, defaultRules, logs).outputs;
    expect(JSON.parse(kept!.log!.attributes)).toMatchObject(JSON.parse(quoted));
    // CloudTrail caps a record at 256 KB: one over 1 MB is corruption, dead-lettered with the reason.
    const huge = ec2Change({ requestParameters: { document: 'a'.repeat(1_100_000) } });
    expect(() => mapRecord(huge, defaultRules, logs)).toThrow(
      expect.objectContaining({
        reasonClass: 'log-too-large',
        message: expect.stringMatching(/over Datadog's 1048576/),
      }),
    );
  });

  it('reads an eventTime without a zone as UTC', () => {
    const [output] = mapRecord(ec2Change({ eventTime: '2024-05-01 10:00:00' }), defaultRules, events).outputs;
    expect(output!.event!.dateHappened).toBe(Date.UTC(2024, 4, 1, 10) / 1000);
  });

  it.each([
    ['not JSON', '{"eventID":', /not JSON/],
    ['not an object', '[1,2]', /not a JSON object/],
    [
      'without essentials',
      JSON.stringify({ eventID: 'e', readOnly: false }),
      /no eventTime, eventSource, eventName/,
    ],
    ['with a bad eventTime', ec2Change({ eventTime: 'yesterday' }), /eventTime "yesterday" is not a date/],
  ])('refuses a record %s with a dead-letter reason', (_, json, message) => {
    const attempt = () => mapRecord(json, defaultRules, events);
    expect(attempt).toThrow(MappingError);
    expect(attempt).toThrow(message);
  });

  it('refuses a record nested 100,000 deep in what it prints as record-too-deep, not a bare RangeError', () => {
    const deep = `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`;
    const json = ec2Change({}).replace(/}$/, `,"requestParameters":${deep}}`);
    let caught: unknown;
    try {
      mapRecord(json, defaultRules, { mode: 'both', logService: 'cloudtrail' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MappingError);
    expect((caught as MappingError).reasonClass).toBe('record-too-deep');
  });
});
