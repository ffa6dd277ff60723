import type { Stage } from '@trailstream/schemas';
import { Counter, Histogram, type Registry } from 'prom-client';

const DEAD_LETTERS = 'trailstream_dead_letters_total';
const TRANSACTION_SECONDS = 'trailstream_transaction_seconds';

/**
 * Counts the dead letters a stage wrote, once acknowledged (or committed with their transaction), the
 * same way in every stage. Several writers may share one registry: the counter is made once per registry.
 */
export function deadLetterCounter(registry: Registry, stage: Stage): (reasonClass: string) => void {
  const counter =
    (registry.getSingleMetric(DEAD_LETTERS) as Counter<'stage' | 'reason_class'> | undefined) ??
    new Counter({
      name: DEAD_LETTERS,
      help: 'Dead letters written, by stage and reason class',
      labelNames: ['stage', 'reason_class'] as const,
      registers: [registry],
    });
  return (reasonClass) => counter.inc({ stage, reason_class: reasonClass });
}

/** Observes each committed transaction's duration, from its start to its commit, by stage. */
export function transactionTimer(registry: Registry, stage: Stage): (seconds: number) => void {
  const histogram =
    (registry.getSingleMetric(TRANSACTION_SECONDS) as Histogram<'stage'> | undefined) ??
    new Histogram({
      name: TRANSACTION_SECONDS,
      help: 'Kafka transactions committed, by duration from their start to their commit',
      labelNames: ['stage'] as const,
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60],
      registers: [registry],
    });
  return (seconds) => histogram.observe({ stage }, seconds);
}
