import { eventLimits } from '@trailstream/datadog';
import type { AlertType, DatadogEvent } from '@trailstream/schemas';
import { eventTimeSeconds } from '../record/cloudtrail-event.js';
import type { RecordFacts } from '../record/record-facts.js';
import type { IncludeRule } from '../rules/rule-set.js';
import { recordTags } from './event-tags.js';
import { eventText } from './event-text.js';
import { eventTitle } from './event-title.js';
import { clip } from './markdown.js';

export const sourceTypeName = 'cloudtrail';

/** error for a failed call; warning for root activity and failed console sign-ins; info otherwise. */
export function defaultAlertType(facts: RecordFacts): AlertType {
  if (facts.errorCode !== null) return 'error';
  if (facts.actor.type === 'Root' || facts.isFailedConsoleSignIn) return 'warning';
  return 'info';
}

export function mapToEvent(facts: RecordFacts, rule: IncludeRule): DatadogEvent {
  const { overrides } = rule;
  return {
    title: eventTitle(facts, overrides.title),
    text: eventText(facts, rule.name),
    dateHappened: eventTimeSeconds(facts.eventTime),
    tags: recordTags(facts, overrides.tags),
    aggregationKey: clip(`${facts.eventSource}:${facts.eventName}`, eventLimits.aggregationKeyChars),
    alertType: overrides.alertType ?? defaultAlertType(facts),
    priority: overrides.priority ?? 'normal',
    sourceTypeName,
    host: facts.host,
  };
}
