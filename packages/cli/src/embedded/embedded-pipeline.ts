import { CloudTrailObjectError, readObjectRecords, toCloudTrailRecord } from '@trailstream/cloudtrail';
import { type MappingOptions, mapRecord, type RuleSet } from '@trailstream/mapping';
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
  records: number;
  /** Records that produced at least one output. */
  kept: number;
  /** Records removed by an exclude rule, by rule name. */
  excludedByRule: Record<string, number>;
  /** Records no include rule selected (in events mode they produce nothing). */
  notIncluded: number;
  events: number;
  logs: number;
}

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
    kept: 0,
    excludedByRule: {},
    notIncluded: 0,
    events: 0,
    logs: 0,
  };
  for await (const object of run.source.objects()) {
    summary.files++;
    let records = 0;
    try {
      const body = await object.open();
      for await (const { index, json } of readObjectRecords(body)) {
        const record = toCloudTrailRecord(json, {
          bucket: object.ref.bucket,
          key: object.ref.key,
          etag: object.ref.etag,
          index,
        });
        records++;
        const { decision, outputs } = mapRecord(record.json, run.rules, run.mapping, record.origin);
        if (decision.kind === 'excluded') increment(summary.excludedByRule, decision.rule.name);
        if (decision.kind === 'not-included') summary.notIncluded++;
        if (outputs.length > 0) summary.kept++;
        for (const output of outputs) {
          if (output.kind === 'event') summary.events++;
          else summary.logs++;
          await run.sink.write(output);
        }
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

export function formatSummary(summary: RunSummary): string {
  const counts = (c: Record<string, number>) =>
    Object.entries(c)
      .sort(([, a], [, b]) => b - a)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ') || 'none';
  const excluded = Object.values(summary.excludedByRule).reduce((a, b) => a + b, 0);
  return [
    'summary:',
    `  files      ${summary.files} read; unreadable: ${counts(summary.badFiles)}; keys skipped: ${counts(summary.skippedKeys)}`,
    `  records    ${summary.records}`,
    `  kept       ${summary.kept}`,
    `  dropped    ${excluded + summary.notIncluded}: by exclude rule ${counts(summary.excludedByRule)}; matched no include rule ${summary.notIncluded}`,
    `  events     ${summary.events}`,
    `  logs       ${summary.logs}`,
  ].join('\n');
}
