import type { Stage } from '@trailstream/schemas';
import { Counter, type Registry } from 'prom-client';

const DEAD_LETTERS = 'trailstream_dead_letters_total';

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
