import type { Stage } from '@trailstream/schemas';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Logger } from './logger.js';

/** Why Kafka refuses, and what an operator must change, by the Kafka error name. */
export function refusalRemedy(type: string, topic: string): string {
  switch (type) {
    case 'TOPIC_AUTHORIZATION_FAILED':
      return `this principal lacks WRITE (and DESCRIBE) on topic ${topic}`;
    case 'CLUSTER_AUTHORIZATION_FAILED':
      return 'this principal lacks IDEMPOTENT_WRITE on the cluster';
    case 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED':
      return "this principal lacks WRITE and DESCRIBE on the stage's transactional ids";
    case 'GROUP_AUTHORIZATION_FAILED':
      return "this principal lacks READ on the stage's consumer group";
    case 'UNKNOWN_TOPIC_OR_PARTITION':
      return `topic ${topic} does not exist: create it (or run with CREATE_TOPICS=true)`;
    case 'MESSAGE_TOO_LARGE':
    case 'RECORD_LIST_TOO_LARGE':
      return `topic ${topic} refuses a message even cut to fit: raise its max.message.bytes`;
    default:
      return `topic ${topic} refuses writes (${type})`;
  }
}

interface Blocked {
  topic: string;
  type: string;
  since: number;
}

/**
 * The partitions a cluster-level refusal holds still: while any is, the stage is not ready. One log
 * line when a partition stops and one when it goes on; a gauge and a counter for alerts.
 */
export class PartitionHealth {
  private readonly blocked = new Map<number, Blocked>();
  private readonly refusals: Counter<'stage' | 'topic' | 'error'>;
  private readonly blockedGauge: Gauge<'stage'>;

  constructor(
    private readonly stage: Stage,
    registry: Registry,
    private readonly log: Logger,
  ) {
    this.refusals =
      (registry.getSingleMetric('trailstream_kafka_refusals_total') as typeof this.refusals | undefined) ??
      new Counter({
        name: 'trailstream_kafka_refusals_total',
        help: 'Writes Kafka refused that hold a partition still (authorization, missing topic, a refusing dead-letter topic)',
        labelNames: ['stage', 'topic', 'error'] as const,
        registers: [registry],
      });
    this.blockedGauge =
      (registry.getSingleMetric('trailstream_partitions_blocked') as typeof this.blockedGauge | undefined) ??
      new Gauge({
        name: 'trailstream_partitions_blocked',
        help: 'Input partitions held still because Kafka refuses their writes; nothing is committed past them',
        labelNames: ['stage'] as const,
        registers: [registry],
      });
    this.blockedGauge.set({ stage }, 0);
  }

  get isHealthy(): boolean {
    return this.blocked.size === 0;
  }

  block(partition: number, topic: string, type: string): void {
    this.refusals.inc({ stage: this.stage, topic, error: type });
    const current = this.blocked.get(partition);
    if (current && current.topic === topic && current.type === type) return;
    this.blocked.set(partition, { topic, type, since: Date.now() });
    this.blockedGauge.set({ stage: this.stage }, this.blocked.size);
    this.log.error(
      { partition, topic, kafkaError: type },
      `partition ${partition} paused, nothing committed past it: Kafka refuses writes to ${topic} (${type}); ${refusalRemedy(type, topic)}. It resumes by itself once Kafka accepts.`,
    );
  }

  unblock(partition: number): void {
    const current = this.blocked.get(partition);
    if (!current) return;
    this.blocked.delete(partition);
    this.blockedGauge.set({ stage: this.stage }, this.blocked.size);
    this.log.info(
      { partition, topic: current.topic, pausedMs: Date.now() - current.since },
      `partition ${partition} resumed: Kafka accepts writes to ${current.topic} again`,
    );
  }

  /** Partitions no longer assigned are no longer this process's concern. */
  retainOnly(partitions: readonly number[]): void {
    const kept = new Set(partitions);
    for (const partition of this.blocked.keys()) if (!kept.has(partition)) this.blocked.delete(partition);
    this.blockedGauge.set({ stage: this.stage }, this.blocked.size);
  }
}
