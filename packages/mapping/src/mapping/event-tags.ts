import { keyValueTag, normalizeTags } from '@trailstream/datadog';
import type { RecordFacts } from '../record/record-facts.js';

/**
 * `source:cloudtrail`, as the events of Datadog's CloudTrail integration carry it, so monitors and the
 * event explorer select Trailstream's events the same way.
 */
export const sourceTag = 'source:cloudtrail';

/**
 * The tags every output carries, then the rule's own; normalized, deduplicated, within Datadog's count.
 * Each takes a bounded set of values (accounts, regions, services, API names, principals, identity types,
 * error codes): tags are for grouping, so nothing unique per event (ids, times, IPs) is ever a tag.
 */
export function recordTags(facts: RecordFacts, ruleTags: readonly string[]): string[] {
  return normalizeTags([
    sourceTag,
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
