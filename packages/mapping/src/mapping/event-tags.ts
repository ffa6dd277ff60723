import { keyValueTag, normalizeTags } from '@trailstream/datadog';
import type { RecordFacts } from '../record/record-facts.js';

/** The tags every output carries, then the rule's own; normalized, deduplicated, within Datadog's count. */
export function recordTags(facts: RecordFacts, ruleTags: readonly string[]): string[] {
  return normalizeTags([
    keyValueTag('aws_account', facts.accountId),
    keyValueTag('region', facts.awsRegion),
    keyValueTag('eventsource', facts.eventSource),
    keyValueTag('eventname', facts.eventName),
    keyValueTag('user', facts.actor.tagValue),
    keyValueTag('user_type', facts.actor.type),
    keyValueTag('error_code', facts.errorCode),
    ...ruleTags,
  ]);
}
