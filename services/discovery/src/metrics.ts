import { Counter, Gauge, type Registry } from 'prom-client';

export type DiscoveryMetrics = ReturnType<typeof createDiscoveryMetrics>;

/**
 * `labelledBuckets`: the configured sources, which get their own `source` label; every other bucket
 * (notifications name any bucket) is counted as `other`, so no label value comes from input.
 */
export function createDiscoveryMetrics(registry: Registry, labelledBuckets: ReadonlySet<string>) {
  const registers = [registry];
  const newestBySource = new Map<string, number>();
  const newestFileTime = new Gauge({
    name: 'trailstream_discovery_newest_file_time_seconds',
    help: 'Delivery time in the name of the newest CloudTrail file discovered, by configured source bucket (other buckets: other)',
    labelNames: ['source'] as const,
    registers,
  });
  return {
    /** Keeps the gauge at the newest time seen: files arrive out of order. */
    noteNewestFile(bucket: string, deliveredAt: number): void {
      const source = labelledBuckets.has(bucket) ? bucket : 'other';
      if ((newestBySource.get(source) ?? Number.NEGATIVE_INFINITY) >= deliveredAt) return;
      newestBySource.set(source, deliveredAt);
      newestFileTime.set({ source }, deliveredAt / 1000);
    },
    references: new Counter({
      name: 'trailstream_discovery_references_total',
      help: 'Object references produced and acknowledged by Kafka, by how they were found',
      labelNames: ['mode'] as const,
      registers,
    }),
    notifications: new Counter({
      name: 'trailstream_discovery_notifications_total',
      help: 'SQS messages understood, by notification shape',
      labelNames: ['shape'] as const,
      registers,
    }),
    sqsReceived: new Counter({
      name: 'trailstream_discovery_sqs_messages_received_total',
      help: 'SQS messages received',
      labelNames: ['queue'] as const,
      registers,
    }),
    sqsDeleted: new Counter({
      name: 'trailstream_discovery_sqs_messages_deleted_total',
      help: 'SQS messages deleted after their references (or dead letter) were acknowledged',
      labelNames: ['queue'] as const,
      registers,
    }),
    sqsErrors: new Counter({
      name: 'trailstream_discovery_sqs_errors_total',
      help: 'Failed SQS calls (retried), by operation',
      labelNames: ['queue', 'operation'] as const,
      registers,
    }),
    skippedKeys: new Counter({
      name: 'trailstream_discovery_skipped_keys_total',
      help: 'Keys not forwarded, by reason',
      labelNames: ['mode', 'reason'] as const,
      registers,
    }),
    listCalls: new Counter({
      name: 'trailstream_discovery_list_calls_total',
      help: 'S3 ListObjectsV2 calls, by purpose',
      labelNames: ['purpose'] as const,
      registers,
    }),
    listCallsLastCycle: new Gauge({
      name: 'trailstream_discovery_poll_cycle_list_calls',
      help: 'S3 List calls made by the last completed poll cycle of this replica',
      registers,
    }),
    deadLetterPublishFailures: new Counter({
      name: 'trailstream_discovery_dead_letter_publish_failures_total',
      help: 'Dead letters of unreadable SQS messages that could not be published (the message is kept)',
      registers,
    }),
    deadLettersUnpublished: new Gauge({
      name: 'trailstream_discovery_dead_letters_unpublished',
      help: 'Unreadable SQS messages kept on the queue because their dead letter could not be published',
      registers,
    }),
    deadLettersUnpublishedOldestAge: new Gauge({
      name: 'trailstream_discovery_dead_letters_unpublished_oldest_age_seconds',
      help: 'Age (since sent to SQS) of the oldest unreadable message whose dead letter is not published',
      registers,
    }),
    ownedStreams: new Gauge({
      name: 'trailstream_discovery_poll_owned_streams',
      help: 'Account x region streams this replica listed in its last cycle',
      registers,
    }),
  };
}
