export {
  type MappedRecord,
  type MappingOptions,
  mapRecord,
  type OutputMode,
  outputModes,
} from './map-record.js';
export { logAttributeLimits } from './mapping/log-attributes.js';
export { defaultAlertType, mapToEvent, sourceTypeName } from './mapping/map-to-event.js';
export { type LogLocation, logSource, logSourceCategory, mapToLog } from './mapping/map-to-log.js';
export { MappingError, type MappingReason } from './mapping-error.js';
export { type CloudTrailEvent, parseCloudTrailEvent, readPath } from './record/cloudtrail-event.js';
export { type Actor, describeActor, instanceHost } from './record/identity.js';
export { type RecordFacts, readRecordFacts } from './record/record-facts.js';
export { defaultRulesPath } from './rules/default-rules.js';
export { parseRules, RulesError, type RulesProblem } from './rules/parse-rules.js';
export type { IncludeRule, Rule, RuleDecision, RuleOverrides, RuleSet } from './rules/rule-set.js';
export { selectRule } from './rules/select-rule.js';
