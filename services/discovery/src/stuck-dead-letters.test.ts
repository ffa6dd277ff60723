import { createLogger } from '@trailstream/runtime';
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createDiscoveryMetrics } from './metrics.js';
import { StuckDeadLetters } from './stuck-dead-letters.js';

function tracker() {
  const lines: { level: string; msg: string; messageId?: string; ageSeconds?: number }[] = [];
  const logger = createLogger('test', {
    secrets: [],
    destination: { write: (line: string) => lines.push(JSON.parse(line)) },
  });
  const registry = new Registry();
  const metrics = createDiscoveryMetrics(registry, new Set());
  const stuck = new StuckDeadLetters({ alertAgeMs: 60_000, forgetAfterMs: 30_000, metrics, logger });
  const gauge = async (name: string) => (await registry.getSingleMetric(name)!.get()).values[0]?.value;
  return { stuck, lines, gauge };
}

describe('StuckDeadLetters', () => {
  it('reports a message older than the alert age as an error, once, and clears when it is published', async () => {
    const { stuck, lines, gauge } = tracker();
    const sentAt = 1_000_000;
    stuck.publishFailed('m-1', sentAt, sentAt + 10_000, new Error('MESSAGE_TOO_LARGE'));
    expect(lines.filter((line) => line.level === 'error')).toEqual([]);
    expect(stuck.isClear(sentAt + 10_000)).toBe(false);
    stuck.publishFailed('m-1', sentAt, sentAt + 70_000, new Error('MESSAGE_TOO_LARGE'));
    stuck.publishFailed('m-1', sentAt, sentAt + 80_000, new Error('MESSAGE_TOO_LARGE'));
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ messageId: 'm-1', ageSeconds: 70 });
    expect(errors[0]!.msg).toMatch(/lost when the queue retention drops it/);
    expect(await gauge('trailstream_discovery_dead_letters_unpublished')).toBe(1);
    expect(await gauge('trailstream_discovery_dead_letters_unpublished_oldest_age_seconds')).toBe(80);
    expect(await gauge('trailstream_discovery_dead_letter_publish_failures_total')).toBe(3);
    stuck.published('m-1', sentAt + 90_000);
    expect(stuck.isClear(sentAt + 90_000)).toBe(true);
    expect(await gauge('trailstream_discovery_dead_letters_unpublished')).toBe(0);
  });

  it('forgets a message the queue no longer returns (retention dropped it), so readiness comes back', () => {
    const { stuck } = tracker();
    stuck.publishFailed('m-1', 0, 1_000, new Error('down'));
    expect(stuck.isClear(20_000)).toBe(false);
    expect(stuck.isClear(40_000)).toBe(true);
  });
});
