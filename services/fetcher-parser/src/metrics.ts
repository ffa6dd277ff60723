import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ThroughputWindow } from './throughput-window.js';

export type ObjectOutcome = 'processed' | 'duplicate' | 'dead-lettered';

export interface FetcherMetrics {
  objects: Counter<'outcome'>;
  /** References marked to bypass the duplicate check (a forced replay), whatever their outcome. */
  forcedReferences: Counter;
  /** Objects picked up again after their last committed record (a restart or a retry mid-file). */
  resumedObjects: Counter;
  bytesIn: Counter;
  recordsOut: Counter;
  objectSeconds: Histogram;
  /** Feeds the records-per-second gauge. */
  throughput: ThroughputWindow;
}

export function createFetcherMetrics(registry: Registry, seenObjects: () => number): FetcherMetrics {
  const throughput = new ThroughputWindow();
  const registers = [registry];
  new Gauge({
    name: 'trailstream_fetcher_records_per_second',
    help: 'Records produced per second over the last minute',
    registers,
    collect() {
      this.set(throughput.perSecond(Date.now()));
    },
  });
  new Gauge({
    name: 'trailstream_fetcher_seen_objects',
    help: 'Processed objects remembered for duplicate detection on this process',
    registers,
    collect() {
      this.set(seenObjects());
    },
  });
  return {
    objects: new Counter({
      name: 'trailstream_fetcher_objects_total',
      help: 'Object references handled, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    forcedReferences: new Counter({
      name: 'trailstream_fetcher_forced_references_total',
      help: 'Object references handled without the duplicate check (trailstream replay --force)',
      registers,
    }),
    resumedObjects: new Counter({
      name: 'trailstream_fetcher_resumed_objects_total',
      help: 'Objects resumed after their last committed record, following a restart or an aborted transaction',
      registers,
    }),
    bytesIn: new Counter({
      name: 'trailstream_fetcher_bytes_in_total',
      help: 'Bytes read from S3, as stored (compressed)',
      registers,
    }),
    recordsOut: new Counter({
      name: 'trailstream_fetcher_records_out_total',
      help: 'CloudTrail records produced to the records topic',
      registers,
    }),
    objectSeconds: new Histogram({
      name: 'trailstream_fetcher_object_processing_seconds',
      help: 'Time from picking up an object reference to its last record sent',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 180, 600],
      registers,
    }),
    throughput,
  };
}
