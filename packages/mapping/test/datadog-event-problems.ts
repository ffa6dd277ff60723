import { eventLimits, logLimits, normalizeTag, toLogEntry } from '@trailstream/datadog';
import type { DatadogEvent, DatadogLog } from '@trailstream/schemas';
import { logAttributeLimits } from '../src/mapping/log-attributes.js';

/** Every way an event breaks Datadog's documented Events API v1 limits, or leaves Markdown open. */
export function datadogEventProblems(event: DatadogEvent): string[] {
  const problems: string[] = [];
  if (event.title.length === 0 || event.title.length > eventLimits.titleChars) problems.push('title length');
  if (event.text.length > eventLimits.textChars) problems.push(`text is ${event.text.length} chars`);
  if (!event.text.startsWith('%%% \n') || !event.text.endsWith('\n %%%')) problems.push('markdown markers');
  const fences = event.text.match(/^`{3,}/gm) ?? [];
  if (fences.length % 2 !== 0) problems.push('unclosed code fence');
  if ((event.aggregationKey ?? '').length > eventLimits.aggregationKeyChars) problems.push('aggregation key');
  if (event.tags.length > eventLimits.tagsPerEvent) problems.push('too many tags');
  for (const tag of event.tags) if (normalizeTag(tag) !== tag) problems.push(`tag ${tag} is not normalized`);
  if (!Number.isInteger(event.dateHappened) || event.dateHappened <= 0) problems.push('date_happened');
  return problems;
}

/** Every way a log breaks Datadog's 1 MB, or the documented attribute count and nesting depth. */
export function datadogLogProblems(log: DatadogLog): string[] {
  const { json } = toLogEntry(log, Date.now());
  const problems: string[] = [];
  const bytes = Buffer.byteLength(json);
  if (bytes > logLimits.entryBytes) problems.push(`log entry is ${bytes} bytes`);
  const leafPaths = new Set<string>();
  let depth = 0;
  const walk = (value: unknown, path: string, level: number): void => {
    if (Array.isArray(value)) {
      for (const item of value) walk(item, path, level);
      if (value.length === 0) leafPaths.add(path);
    } else if (typeof value === 'object' && value !== null && Object.keys(value).length > 0) {
      for (const [key, child] of Object.entries(value)) {
        depth = Math.max(depth, level + 1);
        walk(child, path === '' ? key : `${path}.${key}`, level + 1);
      }
    } else leafPaths.add(path);
  };
  walk(JSON.parse(json), '', 0);
  if (leafPaths.size > logAttributeLimits.attributes) problems.push(`${leafPaths.size} attributes`);
  if (depth > logAttributeLimits.depth) problems.push(`nested ${depth} levels`);
  return problems;
}
