import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
  type Message as SqsMessage,
} from '@aws-sdk/client-sqs';
import { digestRefMessage, fileNameDeliveryTime, type KeyFilterRules } from '@trailstream/cloudtrail';
import { backoffPolicies, retry } from '@trailstream/retry';
import type { DeadLetterPublisher, Logger } from '@trailstream/runtime';
import { type ObjectRef, objectRefMessage } from '@trailstream/schemas';
import type { KafkaGate } from './kafka-gate.js';
import type { DiscoveryMetrics } from './metrics.js';
import { planSqsMessage, type SqsMessagePlan } from './sqs-message-plan.js';
import type { StuckDeadLetters } from './stuck-dead-letters.js';

export interface SqsReceiverOptions {
  sqs: SQSClient;
  queueUrl: string;
  gate: KafkaGate;
  deadLetters: DeadLetterPublisher;
  objectsTopic: string;
  /** Where digest references go, for the integrity stage. */
  digestsTopic: string;
  rules: KeyFilterRules;
  defaultRegion: string;
  waitTimeSeconds: number;
  visibilityTimeoutSeconds: number;
  metrics: DiscoveryMetrics;
  stuckDeadLetters: StuckDeadLetters;
  logger: Logger;
  signal: AbortSignal;
}

/** The queue's name, for metric labels: the last segment of its URL. */
export function queueName(queueUrl: string): string {
  return queueUrl.split('/').at(-1) ?? queueUrl;
}

/** Whether the queue answered the last receive; /readyz is false while it does not. */
export class QueueHealth {
  private readonly failing = new Set<string>();
  markOk(queueUrl: string): void {
    this.failing.delete(queueUrl);
  }
  markFailing(queueUrl: string): void {
    this.failing.add(queueUrl);
  }
  allReachable(): boolean {
    return this.failing.size === 0;
  }
}

/**
 * One long-polling receiver. Runs until the signal aborts; every failure (throttling, 5xx, Kafka down)
 * is retried with backoff, and a message is only ever deleted after Kafka acknowledged what it carried.
 */
export async function runSqsReceiver(options: SqsReceiverOptions, health: QueueHealth): Promise<void> {
  const { signal, logger } = options;
  const queue = queueName(options.queueUrl);
  while (!signal.aborted) {
    const messages = await receiveWhileKafkaIsReachable(options, health).catch((): SqsMessage[] => []);
    if (signal.aborted) break;
    if (messages.length === 0) continue;
    options.metrics.sqsReceived.inc({ queue }, messages.length);
    const heartbeat = keepInvisible(options, messages);
    try {
      await handleMessages(options, messages);
    } catch (error) {
      // Nothing was deleted: the messages come back after their visibility timeout.
      logger.warn(
        { err: error, queue, messages: messages.length },
        'could not hand messages to Kafka; they will be retried',
      );
    } finally {
      heartbeat.stop();
    }
  }
}

/**
 * Waits for Kafka, then long-polls the queue; a failed receive is retried with backoff (Kafka checked
 * again first), so messages are only taken while their references can be handed on.
 */
function receiveWhileKafkaIsReachable(
  options: SqsReceiverOptions,
  health: QueueHealth,
): Promise<SqsMessage[]> {
  const { sqs, queueUrl, signal, logger } = options;
  const queue = queueName(queueUrl);
  return retry(
    async () => {
      await options.gate.waitUntilReachable(signal);
      if (signal.aborted) return [];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: options.waitTimeSeconds,
            VisibilityTimeout: options.visibilityTimeoutSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp'],
          }),
          { abortSignal: signal },
        );
        health.markOk(queueUrl);
        return received.Messages ?? [];
      } catch (error) {
        if (!signal.aborted) {
          health.markFailing(queueUrl);
          options.metrics.sqsErrors.inc({ queue, operation: 'receive' });
        }
        throw error;
      }
    },
    {
      policy: backoffPolicies.standard,
      isRetriable: () => true,
      signal,
      onRetry: ({ error, delayMs }) =>
        logger.warn({ err: error, queue, retryInMs: delayMs }, 'SQS receive failed'),
    },
  );
}

async function handleMessages(options: SqsReceiverOptions, messages: SqsMessage[]): Promise<void> {
  const queue = queueName(options.queueUrl);
  const now = Date.now();
  const planned = messages.map((message) => ({
    message,
    plan: planSqsMessage(message.Body ?? '', {
      rules: options.rules,
      defaultRegion: options.defaultRegion,
      now,
    }),
  }));

  const delivered = planned.filter((entry) => entry.plan.action === 'deliver');
  const refs = delivered.flatMap(({ plan }) => (plan.action === 'deliver' ? plan.refs : []));
  await options.gate.send(options.objectsTopic, refs.map(objectRefMessage));
  const digests = delivered.flatMap(({ plan }) => (plan.action === 'deliver' ? plan.digests : []));
  await options.gate.send(
    options.digestsTopic,
    digests.flatMap((ref) => digestRefMessage(ref) ?? []),
  );
  recordDelivered(
    options,
    refs,
    delivered.map(({ plan }) => plan),
  );

  const deletable = delivered.map(({ message }) => message);
  for (const { message, plan } of planned) {
    if (plan.action !== 'dead-letter') continue;
    const attempts = Number(message.Attributes?.ApproximateReceiveCount ?? '1');
    try {
      await options.deadLetters.publish(
        {
          topic: null,
          partition: null,
          offset: null,
          key: message.MessageId ?? null,
          value: message.Body ?? null,
          headers: { 'sqs-queue-url': options.queueUrl },
        },
        { reasonClass: plan.reasonClass, reasonMessage: plan.reason, attempts },
      );
    } catch (error) {
      options.logger.warn(
        { err: error, queue, messageId: message.MessageId },
        'dead letter not published; message kept',
      );
      const sentAt = Number(message.Attributes?.SentTimestamp ?? now);
      options.stuckDeadLetters.publishFailed(message.MessageId ?? '', sentAt, Date.now(), error);
      continue;
    }
    options.stuckDeadLetters.published(message.MessageId, Date.now());
    options.logger.warn(
      { queue, messageId: message.MessageId, reasonClass: plan.reasonClass, reason: plan.reason },
      'unreadable SQS message dead-lettered',
    );
    deletable.push(message);
  }
  await deleteMessages(options, deletable);
}

function recordDelivered(options: SqsReceiverOptions, refs: ObjectRef[], plans: SqsMessagePlan[]): void {
  const { metrics } = options;
  metrics.references.inc({ mode: 'sqs' }, refs.length);
  for (const plan of plans) {
    if (plan.action !== 'deliver') continue;
    metrics.notifications.inc({ shape: plan.shape });
    for (const reason of plan.skipped) metrics.skippedKeys.inc({ mode: 'sqs', reason });
  }
  for (const ref of refs) {
    const deliveredAt = fileNameDeliveryTime(ref.key.split('/').at(-1) ?? '');
    if (deliveredAt !== null) metrics.noteNewestFile(ref.bucket, deliveredAt);
  }
}

async function deleteMessages(options: SqsReceiverOptions, messages: SqsMessage[]): Promise<void> {
  if (messages.length === 0) return;
  const queue = queueName(options.queueUrl);
  try {
    const result = await options.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: options.queueUrl,
        Entries: messages.map((message, index) => ({
          Id: String(index),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
    const failed = result.Failed ?? [];
    options.metrics.sqsDeleted.inc({ queue }, messages.length - failed.length);
    if (failed.length > 0) {
      options.metrics.sqsErrors.inc({ queue, operation: 'delete' }, failed.length);
      options.logger.warn(
        { queue, failed },
        'some SQS deletes failed; those messages will come back and be sent again',
      );
    }
  } catch (error) {
    options.metrics.sqsErrors.inc({ queue, operation: 'delete' });
    options.logger.warn(
      { err: error, queue },
      'SQS delete failed; the messages will come back and be sent again',
    );
  }
}

/** Extends the visibility of messages still being worked on, every third of the timeout. */
function keepInvisible(options: SqsReceiverOptions, messages: SqsMessage[]): { stop(): void } {
  const { sqs, queueUrl, visibilityTimeoutSeconds } = options;
  const timer = setInterval(
    () => {
      sqs
        .send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: queueUrl,
            Entries: messages.map((message, index) => ({
              Id: String(index),
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: visibilityTimeoutSeconds,
            })),
          }),
        )
        .catch((error: unknown) => {
          options.metrics.sqsErrors.inc({ queue: queueName(queueUrl), operation: 'change-visibility' });
          options.logger.warn({ err: error }, 'could not extend SQS visibility');
        });
    },
    (visibilityTimeoutSeconds * 1000) / 3,
  );
  return { stop: () => clearInterval(timer) };
}
