import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createDiscoveryMetrics } from './metrics.js';

describe('discovery metrics', () => {
  it('labels the newest file by configured bucket only; any other bucket a notification names is other', async () => {
    const registry = new Registry();
    const metrics = createDiscoveryMetrics(registry, new Set(['trail-bucket']));
    metrics.noteNewestFile('trail-bucket', 1_700_000_000_000);
    for (let index = 0; index < 1_000; index++) {
      metrics.noteNewestFile(`attacker-bucket-${index}`, 1_700_000_000_000 + index * 1000);
    }
    const gauge = await registry.getSingleMetric('trailstream_discovery_newest_file_time_seconds')!.get();
    expect(gauge.values.map(({ labels, value }) => [labels.source, value])).toEqual([
      ['trail-bucket', 1_700_000_000],
      ['other', 1_700_000_999],
    ]);
  });
});
