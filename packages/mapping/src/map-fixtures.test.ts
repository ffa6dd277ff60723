import { readFileSync } from 'node:fs';
import { loadFixtureRecords } from '@trailstream/testkit';
import { describe, expect, it } from 'vitest';
import { datadogEventProblems, datadogLogProblems } from '../test/datadog-event-problems.js';
import { mapRecord } from './map-record.js';
import { MappingError } from './mapping-error.js';
import { parseCloudTrailEvent } from './record/cloudtrail-event.js';
import { readRecordFacts } from './record/record-facts.js';
import { defaultRulesPath } from './rules/default-rules.js';
import { parseRules } from './rules/parse-rules.js';

const rules = parseRules(readFileSync(defaultRulesPath, 'utf8'));
const { records, malformedFiles } = loadFixtureRecords();

describe('every record in the shared fixtures', () => {
  const results = records.map((record) => {
    try {
      return { record, mapped: mapRecord(record.json, rules, { mode: 'both', logService: 'cloudtrail' }) };
    } catch (error) {
      return { record, error };
    }
  });
  const mapped = results.flatMap((r) => (r.mapped ? [{ record: r.record, ...r.mapped }] : []));
  const events = mapped.flatMap((m) => m.outputs.flatMap((o) => (o.event ? [o.event] : [])));
  const logs = mapped.flatMap((m) => m.outputs.flatMap((o) => (o.log ? [o.log] : [])));

  it('are all read: thousands of records, one malformed file kept upstream on purpose', () => {
    expect(records.length).toBeGreaterThan(4000);
    expect(malformedFiles).toEqual([
      'cloudtrail/stratus-via-cloudtrail2sightings/aws.execution.ec2-user-data.json',
    ]);
  });

  it('each map, or fail with a dead-letter reason: only synthetic test records lack the essentials', () => {
    const failures = results.filter((r) => r.error !== undefined);
    for (const { error } of failures) {
      expect(error).toBeInstanceOf(MappingError);
      expect((error as MappingError).reasonClass).toBe('invalid-record');
    }
    const failingFiles = new Set(failures.map((f) => f.record.file.split('/')[1]));
    expect([...failingFiles]).toEqual(['panther-analysis']);
    expect(mapped.length).toBe(records.length - failures.length);
  });

  it('produce events and logs within every Datadog limit', () => {
    expect(events.length).toBeGreaterThan(1000);
    expect(logs.length).toBe(mapped.length);
    const problems = events.flatMap((event) =>
      datadogEventProblems(event).map((p) => `${event.title}: ${p}`),
    );
    expect(problems).toEqual([]);
    expect(logs.flatMap(datadogLogProblems)).toEqual([]);
  });

  it('cover every identity type, errors, console sign-ins both ways, and Insights', () => {
    const facts = mapped.map((m) => readRecordFacts(parseCloudTrailEvent(m.record.json)));
    const types = new Set(facts.map((f) => f.actor.type));
    for (const type of [
      'Root',
      'IAMUser',
      'AssumedRole',
      'FederatedUser',
      'AWSService',
      'AWSAccount',
      'IdentityCenterUser',
      'Insight',
      'None',
    ]) {
      expect(types, type).toContain(type);
    }
    expect(facts.some((f) => f.errorCode !== null)).toBe(true);
    expect(facts.some((f) => f.isFailedConsoleSignIn)).toBe(true);
    expect(facts.some((f) => f.isConsoleSignIn && !f.isFailedConsoleSignIn)).toBe(true);
    expect(events.filter((e) => e.title.startsWith('CloudTrail Insight'))).toHaveLength(2);
  });

  it('apply the default rules: read-only successes other than sign-ins are not events, failures are', () => {
    const decisions = mapped.map((m) => ({ facts: readRecordFacts(parseCloudTrailEvent(m.record.json)), m }));
    for (const { facts, m } of decisions) {
      const readOnlySuccess =
        facts.event.readOnly === true &&
        facts.errorCode === null &&
        !facts.isInsight &&
        !facts.isConsoleSignIn;
      if (readOnlySuccess) expect(m.decision.kind, m.record.file).toBe('not-included');
      if (facts.errorCode !== null) expect(m.decision.kind, m.record.file).toBe('included');
    }
  });
});
