import { CloudTrailObjectError, readCloudTrailRecords } from '@trailstream/cloudtrail';
import { MappingError, type MappingOptions, mapRecord, type RuleSet } from '@trailstream/mapping';
import type { DatadogOutput } from '@trailstream/schemas';
import type { ObjectSource } from './object-sources.js';

/** Where the embedded pipeline's outputs go: printed, or delivered to Datadog. */
export interface OutputSink {
  write(output: DatadogOutput): Promise<void>;
  /** Waits for everything written to be delivered. */
  finish(): Promise<void>;
}

export interface RunSummary {
  files: number;
  /** Files that could not be read, by reason (what the real pipeline dead-letters). */
  badFiles: Record<string, number>;
  skippedKeys: Record<string, number>;
  /** Every record read is counted once below: sent (as what), dropped by the rules, or dead-lettered. */
  records: number;
  sentAs: { eventAndLog: number; event: number; log: number };
  /** Records removed by an exclude rule, by rule name. */
  excludedByRule: Record<string, number>;
  /** Records no include rule selected, in events mode (in logs and both modes they are sent as logs). */
  notIncluded: number;
  /** Records that could not be read or mapped, by reason (what the real pipeline dead-letters one by one). */
  badRecords: Record<string, number>;
  events: number;
  logs: number;
}

const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

export interface EmbeddedRun {
  source: ObjectSource;
  rules: RuleSet;
  mapping: MappingOptions;
  sink: OutputSink;
  /** Called once per object read, for progress. */
  onObject?: (records: number) => void;
}

const increment = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/**
 * The four stages in one process, joined in memory: the source lists objects as discovery would, each
 * is parsed as the fetcher-parser parses it, mapped by the filter-mapper's rules, and handed to the sink.
 */
export async function runEmbeddedPipeline(run: EmbeddedRun): Promise<RunSummary> {
  const summary: RunSummary = {
    files: 0,
    badFiles: {},
    skippedKeys: {},
    records: 0,
    sentAs: { eventAndLog: 0, event: 0, log: 0 },
    excludedByRule: {},
    notIncluded: 0,
    badRecords: {},
    events: 0,
    logs: 0,
  };
  const badRecord = (key: string, index: number, reason: string, message: string) => {
    increment(summary.badRecords, reason);
    process.stderr.write(`skipped record ${index} of ${key}: ${reason}: ${message}\n`);
  };
  for await (const object of run.source.objects()) {
    summary.files++;
    let records = 0;
    try {
      const body = await object.open();
      const source = { bucket: object.ref.bucket, key: object.ref.key, etag: object.ref.etag };
      for await (const item of readCloudTrailRecords(body, source)) {
        records++;
        if ('failure' in item) {
          badRecord(object.ref.key, item.failure.index, item.failure.reason, item.failure.message);
          continue;
        }
        const { record } = item;
        let mapped: ReturnType<typeof mapRecord>;
        try {
          mapped = mapRecord(record.json, run.rules, run.mapping, record.origin);
        } catch (error) {
          if (!(error instanceof MappingError)) throw error;
          badRecord(object.ref.key, record.origin.index, error.reasonClass, error.message);
          continue;
        }
        const { decision, outputs } = mapped;
        const events = outputs.filter((output) => output.kind === 'event').length;
        const logs = outputs.length - events;
        if (decision.kind === 'excluded') increment(summary.excludedByRule, decision.rule.name);
        else if (outputs.length === 0) summary.notIncluded++;
        else if (events > 0 && logs > 0) summary.sentAs.eventAndLog++;
        else if (events > 0) summary.sentAs.event++;
        else summary.sentAs.log++;
        summary.events += events;
        summary.logs += logs;
        for (const output of outputs) await run.sink.write(output);
      }
    } catch (error) {
      if (!(error instanceof CloudTrailObjectError)) throw error;
      increment(summary.badFiles, error.reason);
      process.stderr.write(`skipped ${object.ref.key}: ${error.reason}: ${error.message}\n`);
    }
    summary.records += records;
    run.onObject?.(records);
  }
  await run.sink.finish();
  Object.assign(summary.skippedKeys, run.source.skipped);
  return summary;
}

/** The summary on stderr: the record lines add up to the records read, in every mode. */
export function formatSummary(summary: RunSummary): string {
  const counts = (c: Record<string, number>) =>
    Object.entries(c)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || 'none';
  const { sentAs } = summary;
  const dropped = total(summary.excludedByRule) + summary.notIncluded;
  return [
    'summary:',
    `  files      ${summary.files} read; unreadable: ${counts(summary.badFiles)}; keys skipped: ${counts(summary.skippedKeys)}`,
    `  records    ${summary.records}`,
    `    sent as event and log  ${sentAs.eventAndLog}`,
    `    sent as event only     ${sentAs.event}`,
    `    sent as log only       ${sentAs.log}`,
    `    dropped by the rules   ${dropped}: by exclude rule ${counts(summary.excludedByRule)}; matched no include rule (events mode) ${summary.notIncluded}`,
    `    dead letters           ${total(summary.badRecords)}: ${counts(summary.badRecords)} (not readable or mappable; the files went on)`,
    `  events     ${summary.events}`,
    `  logs       ${summary.logs}`,
  ].join('\n');
}
