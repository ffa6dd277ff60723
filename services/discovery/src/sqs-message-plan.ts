import {
  decideKey,
  filteredOut,
  type KeyFilterRules,
  type NotificationErrorClass,
  type NotificationShape,
  type NotifiedObject,
  parseDigestKey,
  parseNotification,
  type SkipReason,
} from '@trailstream/cloudtrail';
import type { ObjectRef } from '@trailstream/schemas';

/** What to do with one SQS message. In every case the message is deleted only after the step before succeeded. */
export type SqsMessagePlan =
  /** Produce the references (maybe none), wait for Kafka's acks, then delete the message. */
  | {
      action: 'deliver';
      shape: NotificationShape | 's3-test-event' | 'cloudtrail-validation';
      refs: ObjectRef[];
      /** Digest files, for the integrity stage. */
      digests: ObjectRef[];
      skipped: SkipReason[];
      ignoredEvents: number;
    }
  /** Publish the body to the dead-letter topic, wait for the ack, then delete the message. */
  | { action: 'dead-letter'; reasonClass: NotificationErrorClass; reason: string };

export interface PlanContext {
  rules: KeyFilterRules;
  /** For notifications that do not say their bucket's region (CloudTrail's own, delivered raw). */
  defaultRegion: string;
  now: number;
}

export function objectRefFromNotification(
  object: NotifiedObject,
  defaultRegion: string,
  discoveredAt: number,
): ObjectRef {
  return {
    bucket: object.bucket,
    key: object.key,
    region: object.region ?? defaultRegion,
    size: object.size,
    etag: object.etag,
    foundBy: 'sqs',
    discoveredAt,
    sequencer: object.sequencer,
    versionId: object.versionId,
  };
}

export function planSqsMessage(body: string, context: PlanContext): SqsMessagePlan {
  const parsed = parseNotification(body);
  if (parsed.type === 'invalid') {
    return { action: 'dead-letter', reasonClass: parsed.reasonClass, reason: parsed.reason };
  }
  if (parsed.type === 'acknowledge') {
    return { action: 'deliver', shape: parsed.shape, refs: [], digests: [], skipped: [], ignoredEvents: 0 };
  }
  const refs: ObjectRef[] = [];
  const digests: ObjectRef[] = [];
  const skipped: SkipReason[] = [];
  for (const object of parsed.objects) {
    const decision = decideKey(object.key, context.rules);
    if (decision.accepted) {
      refs.push(objectRefFromNotification(object, context.defaultRegion, context.now));
      continue;
    }
    const digest = decision.reason === 'digest' ? parseDigestKey(object.key) : null;
    const digestReason = digest ? filteredOut(digest.stream, context.rules) : null;
    if (digest && digestReason === null) {
      digests.push(objectRefFromNotification(object, context.defaultRegion, context.now));
    } else {
      skipped.push(digestReason ?? decision.reason);
    }
  }
  return {
    action: 'deliver',
    shape: parsed.shape,
    refs,
    digests,
    skipped,
    ignoredEvents: parsed.ignoredEvents,
  };
}
