import {
  type DatadogClient,
  type DeliveryOptions,
  deliverEvent,
  deliverLogs,
  type ItemResult,
  type LateItemPolicy,
  planLogBatches,
  type RateBudget,
} from '@trailstream/datadog';
import type { DeadLetterPublisher } from '@trailstream/runtime';
import { forEachConcurrently } from './concurrently.js';
import { type ConsumedMessage, type PlannedItem, planDelivery } from './delivery-plan.js';
import type { EmitterMetrics } from './emitter-metrics.js';

export interface DeliveryContext {
  client: DatadogClient;
  eventBudget: RateBudget;
  eventRequestsInFlight: number;
  latePolicy: LateItemPolicy;
  deadLetters: DeadLetterPublisher;
  metrics: EmitterMetrics;
  /** Retry settings for one kind of item; carries the shutdown signal. */
  deliveryOptions: (kind: 'event' | 'log') => DeliveryOptions;
  signal: AbortSignal;
  now?: () => number;
}

export interface DeliverySummary {
  delivered: number;
  deadLettered: number;
}

type EventItem = Extract<PlannedItem, { kind: 'event' }>;
type LogItem = Extract<PlannedItem, { kind: 'log' }>;
type Failure = { index: number; reasonClass: string; reasonMessage: string; attempts: number };

/**
 * Delivers a run of one partition's messages: events in parallel within the rate budget, logs in batches;
 * refused items and undecodable messages go to the dead-letter topic. Resolves once every message was
 * accepted by Datadog or acked by the dead-letter topic, so the caller may commit past them. Throws
 * `ApiKeyRejectedError` (nothing committed) when Datadog refuses the key.
 */
export async function deliverMessages(
  topic: string,
  partition: number,
  messages: readonly ConsumedMessage[],
  context: DeliveryContext,
): Promise<DeliverySummary> {
  const now = context.now ?? Date.now;
  const plan = planDelivery(messages, now(), context.latePolicy);
  const failures: Failure[] = [];
  let delivered = 0;

  const settle = (item: EventItem | LogItem, result: ItemResult) => {
    if (!result.accepted) {
      // One attempt of the item itself failed for good; earlier tries were transient and retried.
      failures.push({
        index: item.index,
        reasonClass: result.reasonClass,
        reasonMessage: result.reasonMessage,
        attempts: 1,
      });
      return;
    }
    delivered += 1;
    context.metrics.delivered.inc({ kind: item.kind });
    if (item.late) context.metrics.late.inc({ kind: item.kind });
    if (item.eventTimeMs !== null) {
      context.metrics.endToEndDelay.observe(
        { kind: item.kind },
        Math.max(0, (now() - item.eventTimeMs) / 1000),
      );
    }
  };

  const events = plan.filter((item): item is EventItem => item.kind === 'event');
  const logs = plan.filter((item): item is LogItem => item.kind === 'log');
  for (const item of plan) {
    if (item.kind === 'dead-letter') failures.push({ ...item, attempts: 0 });
  }

  const sendEvents = forEachConcurrently(events, context.eventRequestsInFlight, async (item) => {
    await context.eventBudget.take(1, context.signal);
    settle(item, await deliverEvent(context.client, item.payload, context.deliveryOptions('event')));
  });
  const sendLogs = (async () => {
    const batches = planLogBatches(logs, (item) => Buffer.byteLength(JSON.stringify(item.entry)));
    for (const batch of batches) {
      const results = await deliverLogs(
        context.client,
        batch.map((item) => item.entry),
        context.deliveryOptions('log'),
      );
      batch.forEach((item, position) => {
        settle(item, results[position] as ItemResult);
      });
    }
  })();
  await Promise.all([sendEvents, sendLogs]);

  await Promise.all(
    failures.map(async (failure) => {
      const message = messages[failure.index] as ConsumedMessage;
      await context.deadLetters.publish(
        {
          topic,
          partition,
          offset: message.offset,
          key: message.key,
          value: message.value,
          headers: message.headers,
        },
        {
          reasonClass: failure.reasonClass,
          reasonMessage: failure.reasonMessage,
          attempts: failure.attempts,
        },
      );
      context.metrics.deadLettered.inc({ reason_class: failure.reasonClass });
    }),
  );
  return { delivered, deadLettered: failures.length };
}
