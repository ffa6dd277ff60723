import {
  type DatadogClient,
  type DeliveryOptions,
  deliverEvent,
  deliverLogs,
  type ItemResult,
  type LateItemPolicy,
  logEntryBytes,
  planLogBatches,
  type RateBudget,
} from '@trailstream/datadog';
import type { AuditOutcome, DeadLetterPublisher } from '@trailstream/runtime';
import { forEachConcurrently, settleAll } from './concurrently.js';
import { type ConsumedMessage, type PlannedItem, planDelivery } from './delivery-plan.js';
import type { EmitterMetrics } from './metrics.js';

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
  /** Called as each message is settled: accepted by Datadog, or acked by the dead-letter topic. */
  onSettled: (index: number) => void;
  /** What became of each settled message, for reconciliation; called just before `onSettled`. */
  onOutcome?: (index: number, outcome: AuditOutcome) => void;
  now?: () => number;
}

type EventItem = Extract<PlannedItem, { kind: 'event' }>;
type LogItem = Extract<PlannedItem, { kind: 'log' }>;

/**
 * Delivers a run of one partition's messages: events in parallel within the rate budget, logs in batches;
 * refused items and undecodable messages go to the dead-letter topic. Resolves once every message was
 * accepted by Datadog or acked by the dead-letter topic, so the caller may commit past them. Throws
 * `ApiKeyRejectedError` when Datadog refuses the key; `onSettled` tells what was settled before.
 */
export async function deliverMessages(
  topic: string,
  partition: number,
  messages: readonly ConsumedMessage[],
  context: DeliveryContext,
): Promise<void> {
  const now = context.now ?? Date.now;
  const plan = planDelivery(messages, now(), context.latePolicy);

  const deadLetter = async (
    index: number,
    reasonClass: string,
    reasonMessage: string,
    attempts: number,
    output?: 'event' | 'log',
  ) => {
    const message = messages[index] as ConsumedMessage;
    await context.deadLetters.publish(
      {
        topic,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        headers: message.headers,
      },
      { reasonClass, reasonMessage, attempts },
    );
    context.onOutcome?.(index, {
      outcome: 'dead-lettered',
      reason: reasonClass,
      ...(output ? { output } : {}),
    });
    context.onSettled(index);
  };

  const settle = async (item: EventItem | LogItem, result: ItemResult) => {
    // Earlier attempts were transient failures; the one that counts is the refusal.
    if (!result.accepted) {
      return deadLetter(item.index, result.reasonClass, result.reasonMessage, 1, item.kind);
    }
    context.metrics.delivered.inc({ kind: item.kind });
    if (item.late) context.metrics.late.inc({ kind: item.kind });
    if (item.eventTimeMs !== null) {
      context.metrics.endToEndDelay.observe(
        { kind: item.kind },
        Math.max(0, (now() - item.eventTimeMs) / 1000),
      );
    }
    context.onOutcome?.(item.index, { outcome: 'delivered', output: item.kind });
    context.onSettled(item.index);
  };

  const events = plan.filter((item): item is EventItem => item.kind === 'event');
  const logs = plan.filter((item): item is LogItem => item.kind === 'log');
  const refused = plan.flatMap((item) => (item.kind === 'dead-letter' ? [item] : []));

  // After any failure (a refused key, the dead-letter topic down) no new request starts in this run.
  let failed = false;
  const unlessFailed = async (work: () => Promise<void>) => {
    if (failed) return;
    try {
      await work();
    } catch (error) {
      failed = true;
      throw error;
    }
  };

  const sendEvents = forEachConcurrently(events, context.eventRequestsInFlight, (item) =>
    unlessFailed(async () => {
      await context.eventBudget.take(1, context.signal);
      await settle(item, await deliverEvent(context.client, item.payload, context.deliveryOptions('event')));
    }),
  );
  const sendLogs = (async () => {
    const batches = planLogBatches(logs, (item) => logEntryBytes(item.entry));
    for (const batch of batches) {
      await unlessFailed(async () => {
        const results = await deliverLogs(
          context.client,
          batch.map((item) => item.entry),
          context.deliveryOptions('log'),
        );
        await settleAll(batch.map((item, position) => settle(item, results[position] as ItemResult)));
      });
    }
  })();
  const sendDeadLetters = settleAll(
    refused.map((item) => deadLetter(item.index, item.reasonClass, item.reasonMessage, 0, item.output)),
  );
  // Wait for every path to stop before reporting a failure: nothing may go on after the caller moved on.
  await settleAll([sendEvents, sendLogs, sendDeadLetters]);
}
