import type { DatadogOutput } from '@trailstream/schemas';
import { mapToEvent } from './mapping/map-to-event.js';
import { type LogLocation, mapToLog } from './mapping/map-to-log.js';
import { MappingError } from './mapping-error.js';
import { parseCloudTrailEvent } from './record/cloudtrail-event.js';
import { readRecordFacts } from './record/record-facts.js';
import type { RuleDecision, RuleSet } from './rules/rule-set.js';
import { selectRule } from './rules/select-rule.js';

export const outputModes = ['events', 'logs', 'both'] as const;
export type OutputMode = (typeof outputModes)[number];

export interface MappingOptions {
  mode: OutputMode;
  /** `service` of log entries. */
  logService: string;
}

export interface MappedRecord {
  decision: RuleDecision;
  outputs: DatadogOutput[];
}

/**
 * One record's JSON to its Datadog outputs. Include rules decide what becomes an event; logs carry
 * every record no exclude rule removed, as Datadog's log forwarder would. Throws MappingError for a
 * record that can never map. `location` is the S3 object the record was read from (`aws.s3` of its log).
 */
export function mapRecord(
  json: string,
  rules: RuleSet,
  options: MappingOptions,
  location: LogLocation | null = null,
): MappedRecord {
  try {
    return mapParsedRecord(json, rules, options, location);
  } catch (error) {
    // Printing a part of the record (JSON.stringify) recurses once per level of nesting.
    if (error instanceof RangeError && /call stack/i.test(error.message)) {
      throw new MappingError('record-too-deep', `the record nests too deep to map: ${error.message}`);
    }
    throw error;
  }
}

function mapParsedRecord(
  json: string,
  rules: RuleSet,
  options: MappingOptions,
  location: LogLocation | null,
): MappedRecord {
  const event = parseCloudTrailEvent(json);
  const decision = selectRule(rules, event);
  if (decision.kind === 'excluded') return { decision, outputs: [] };
  if (options.mode === 'events' && decision.kind === 'not-included') return { decision, outputs: [] };

  const facts = readRecordFacts(event);
  const { eventID } = facts;
  const outputs: DatadogOutput[] = [];
  if (options.mode !== 'logs' && decision.kind === 'included') {
    outputs.push({
      kind: 'event',
      eventID,
      eventTime: facts.eventTime,
      event: mapToEvent(facts, decision.rule),
      log: null,
    });
  }
  if (options.mode !== 'events') {
    const ruleTags = decision.kind === 'included' ? decision.rule.overrides.tags : [];
    const log = mapToLog(facts, json, location, options.logService, ruleTags);
    outputs.push({ kind: 'log', eventID, eventTime: facts.eventTime, event: null, log });
  }
  return { decision, outputs };
}
