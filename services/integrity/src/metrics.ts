import { Counter, Gauge, type Registry } from 'prom-client';

export interface IntegrityMetrics {
  digests: Counter<'outcome'>;
  findings: Counter<'finding'>;
  streamEvents: Counter<'event'>;
  hashFallbackReads: Counter;
}

export function createIntegrityMetrics(
  registry: Registry,
  state: { hashesKnown(): number; silentStreams(): number; streams(): number },
): IntegrityMetrics {
  const registers = [registry];
  new Gauge({
    name: 'trailstream_integrity_log_file_hashes',
    help: 'Log file hashes held from the log-file-hashes topic',
    registers,
    collect() {
      this.set(state.hashesKnown());
    },
  });
  new Gauge({
    name: 'trailstream_integrity_streams_silent',
    help: 'Digest chains (account × region × trail) of this replica with neither digest nor log file for the silence window',
    registers,
    collect() {
      this.set(state.silentStreams());
    },
  });
  new Gauge({
    name: 'trailstream_integrity_streams',
    help: 'Digest chains (account × region × trail) this replica follows',
    registers,
    collect() {
      this.set(state.streams());
    },
  });
  return {
    digests: new Counter({
      name: 'trailstream_integrity_digests_total',
      help: 'Digest files checked, by outcome (valid, invalid, duplicate, dead-lettered)',
      labelNames: ['outcome'],
      registers,
    }),
    findings: new Counter({
      name: 'trailstream_integrity_findings_total',
      help: 'Integrity findings reported, each once, by finding',
      labelNames: ['finding'],
      registers,
    }),
    streamEvents: new Counter({
      name: 'trailstream_integrity_stream_events_total',
      help: 'Stream liveness events reported: new, silent, recovered',
      labelNames: ['event'],
      registers,
    }),
    hashFallbackReads: new Counter({
      name: 'trailstream_integrity_hash_fallback_reads_total',
      help: 'Log files read from S3 because fetcher-parser had not published their hash yet',
      registers,
    }),
  };
}
