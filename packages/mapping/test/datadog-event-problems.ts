import { eventLimits, logLimits, normalizeTag } from '@trailstream/datadog';
import type { DatadogEvent, DatadogLog } from '@trailstream/schemas';

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

export function datadogLogProblems(log: DatadogLog): string[] {
  const bytes = Buffer.byteLength(JSON.stringify(log));
  return bytes > logLimits.entryBytes ? [`log entry is ${bytes} bytes`] : [];
}
