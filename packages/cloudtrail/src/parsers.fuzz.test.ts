import {
  fuzzInputBudgetMs,
  fuzzParameters,
  fuzzTimeoutMs,
  mutateText,
  readFixture,
  textMutations,
} from '@trailstream/testkit';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCloudTrailKey, selectCloudTrailKey } from './key-layout.js';
import { type ParsedNotification, parseNotification } from './notifications.js';

function timed<T>(run: () => T): T {
  const started = performance.now();
  const result = run();
  expect(performance.now() - started).toBeLessThan(fuzzInputBudgetMs);
  return result;
}

// Real notification bodies, as SQS delivers them (the Lambda fixture wraps the SQS messages).
const realBodies = [
  ...(
    JSON.parse(readFixture('notifications/datadog__sqs_s3.json').toString('utf8')) as {
      Records: { body: string }[];
    }
  ).Records.map((record) => record.body),
  ...(
    JSON.parse(readFixture('notifications/datadog__sqs_sns_s3.json').toString('utf8')) as {
      Records: { body: string }[];
    }
  ).Records.map((record) => record.body),
  readFixture('notifications/awsdocs_powertools__eventbridge_s3_object_created.json').toString('utf8'),
  JSON.stringify({
    s3Bucket: 'b',
    s3ObjectKey: ['AWSLogs/111122223333/CloudTrail/eu-west-1/2024/01/15/x.json.gz'],
  }),
];

const mutations = textMutations(fc.string({ unit: 'binary', maxLength: 12 }));

function expectNamedOutcome(parsed: ParsedNotification): void {
  if (parsed.type === 'invalid') {
    expect(['not-json', 'unknown-notification', 'malformed-notification']).toContain(parsed.reasonClass);
    expect(parsed.reason.length).toBeGreaterThan(0);
  } else if (parsed.type === 'objects') {
    for (const object of parsed.objects) {
      expect(typeof object.bucket).toBe('string');
      expect(typeof object.key).toBe('string');
    }
  } else {
    expect(['s3-test-event', 'cloudtrail-validation']).toContain(parsed.shape);
  }
}

const snsWrapped = (message: string) =>
  JSON.stringify({ Type: 'Notification', TopicArn: 'arn:aws:sns:eu-west-1:1:t', Message: message });

describe('fuzzing the notification parser', { timeout: fuzzTimeoutMs }, () => {
  it('mutated real notifications (raw or in SNS) give objects, an acknowledgement or a named reason', () => {
    fc.assert(
      fc.property(fc.constantFrom(...realBodies), mutations, fc.boolean(), (body, edits, wrap) => {
        const mutated = mutateText(body, edits);
        expectNamedOutcome(timed(() => parseNotification(wrap ? snsWrapped(mutated) : mutated)));
      }),
      fuzzParameters(),
    );
  });

  it('random JSON values, deep nesting and huge strings never crash nor hang', () => {
    const hostile = fc.oneof(
      fc.json({ maxDepth: 6 }),
      fc.string({ unit: 'grapheme', maxLength: 300 }),
      fc.integer({ min: 1, max: 200_000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
      fc
        .integer({ min: 1, max: 100_000 })
        .map((depth) => `{"Records":${'[{"s3":'.repeat(depth)}1${'}]'.repeat(depth)}}`),
      fc
        .integer({ min: 1, max: 500_000 })
        .map((length) => JSON.stringify({ s3Bucket: 'b', s3ObjectKey: ['k'.repeat(length)] })),
      fc
        .integer({ min: 1, max: 5_000 })
        .map((count) =>
          JSON.stringify(Object.fromEntries(Array.from({ length: count }, (_, i) => [`key${i}`, i]))),
        ),
      fc.constant('{"__proto__": {"Records": []}, "constructor": 1}'),
      fc.constant('\ufeff{"Event":"s3:TestEvent"}'),
    );
    fc.assert(
      fc.property(hostile, fc.boolean(), (body, wrap) => {
        expectNamedOutcome(timed(() => parseNotification(wrap ? snsWrapped(body) : body)));
      }),
      fuzzParameters(),
    );
  });
});

describe('fuzzing the key layout parser', { timeout: fuzzTimeoutMs }, () => {
  const realKey =
    'trails/AWSLogs/o-abcdefghij/111122223333/CloudTrail/eu-west-1/2024/01/15/111122223333_CloudTrail_eu-west-1_20240115T1205Z_AbCd.json.gz';

  it('mutated and random keys parse to a key in the layout or to null, in bounded time', () => {
    const keys = fc.oneof(
      mutations.map((edits) => mutateText(realKey, edits)),
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc
        .array(
          fc.constantFrom(
            'AWSLogs/',
            '111122223333/',
            'CloudTrail/',
            'eu-west-1/',
            '2024/',
            '01/',
            'x',
            '/',
            '-',
          ),
          { maxLength: 400 },
        )
        .map((parts) => parts.join('')),
      fc
        .integer({ min: 1, max: 50_000 })
        .map((n) => `${'AWSLogs/111122223333/'.repeat(n)}CloudTrail/eu-west-1/2024/01/15/`),
      fc
        .integer({ min: 1, max: 200_000 })
        .map((n) => `AWSLogs/111122223333/CloudTrail/${'a-'.repeat(n)}1/2024/01/15/f`),
    );
    fc.assert(
      fc.property(keys, fc.boolean(), (key, includeInsights) => {
        const parsed = timed(() => parseCloudTrailKey(key));
        if (parsed !== null) {
          expect(parsed.accountId).toMatch(/^\d{12}$/);
          expect(key.endsWith(parsed.fileName)).toBe(true);
          expect(parsed.day.month).toBeGreaterThanOrEqual(1);
          expect(parsed.day.month).toBeLessThanOrEqual(12);
        }
        const selection = timed(() => selectCloudTrailKey(key, { includeInsights }));
        if (!selection.selected)
          expect(['not-cloudtrail', 'digest', 'insight-not-enabled']).toContain(selection.reason);
      }),
      fuzzParameters(),
    );
  });
});
