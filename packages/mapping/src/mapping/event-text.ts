import { eventLimits } from '@trailstream/datadog';
import { readPath, readText } from '../record/cloudtrail-event.js';
import type { RecordFacts } from '../record/record-facts.js';
import { clip, escapeMarkdown, fencedBlock, inlineCode } from './markdown.js';

// Datadog renders event text as Markdown only between these markers; they count toward the limit.
const markdownOpen = '%%% \n';
const markdownClose = '\n %%%';
/** Longest single value shown inline, so one huge user agent cannot crowd out the rest. */
const maxValueChars = 300;
const maxResources = 20;

function resourceArns(facts: RecordFacts): string[] {
  const resources = readPath(facts.event, 'resources');
  if (!Array.isArray(resources)) return [];
  return resources.flatMap((resource: unknown) => {
    if (typeof resource !== 'object' || resource === null) return [];
    const arn = (resource as Record<string, unknown>).ARN ?? (resource as Record<string, unknown>).arn;
    return typeof arn === 'string' ? [arn] : [];
  });
}

function detailLines(facts: RecordFacts, ruleName: string | null): string[] {
  const { event, actor } = facts;
  const code = (value: string) => inlineCode(clip(value, maxValueChars));
  const field = (label: string, value: string | null) =>
    value === null ? [] : [`- **${label}:** ${code(value)}`];
  const errorMessage = readText(event, 'errorMessage');
  const error =
    facts.errorCode === null && errorMessage === null
      ? []
      : [
          `- **Error:** ${[
            facts.errorCode === null ? null : code(facts.errorCode),
            errorMessage === null ? null : escapeMarkdown(clip(errorMessage, maxValueChars)),
          ]
            .filter((part) => part !== null)
            .join(' ')}`,
        ];
  const insightType = readText(event, 'insightDetails.insightType');
  const headline = facts.isInsight
    ? `Unusual **${escapeMarkdown(facts.eventName)}** activity on ${escapeMarkdown(facts.eventSource)} (${escapeMarkdown(insightType ?? 'Insight')})`
    : `**${escapeMarkdown(actor.name)}** (${escapeMarkdown(actor.type)}) called **${escapeMarkdown(facts.eventName)}** on ${escapeMarkdown(facts.eventSource)}`;
  return [
    headline,
    '',
    ...field('Principal', actor.principal),
    ...field('Account', facts.accountId),
    ...field('Region', facts.awsRegion),
    ...field('Source IP', readText(event, 'sourceIPAddress')),
    ...field('User agent', readText(event, 'userAgent')),
    ...error,
    ...field('Host', facts.host),
    ...field('Event time', facts.eventTime),
    ...field('Event ID', readText(event, 'eventID')),
    ...field('Matched rule', ruleName),
  ];
}

/** What the code block shows: the request parameters, or for an Insight its details. */
function detailBlock(facts: RecordFacts): { heading: string; json: string } | null {
  const [heading, value] = facts.isInsight
    ? ['Insight details', readPath(facts.event, 'insightDetails')]
    : ['Request parameters', readPath(facts.event, 'requestParameters')];
  if (value === undefined || value === null) return null;
  return { heading, json: JSON.stringify(value, null, 2) };
}

/**
 * The event text in Markdown: principal, account, region, source IP, user agent, error, resources and
 * request parameters. Lines are added in order of importance while they fit; the parameters block gets
 * what is left and is cut inside its fence, so the Markdown stays whole within Datadog's 4000 characters.
 */
export function eventText(facts: RecordFacts, ruleName: string | null): string {
  let budget = eventLimits.textChars - markdownOpen.length - markdownClose.length;
  const lines: string[] = [];
  const add = (line: string): boolean => {
    const cost = line.length + (lines.length === 0 ? 0 : 1);
    if (cost > budget) return false;
    lines.push(line);
    budget -= cost;
    return true;
  };

  for (const line of detailLines(facts, ruleName)) add(line);

  const arns = resourceArns(facts);
  if (arns.length > 0 && add('') && add('**Resources:**')) {
    const shown = arns.slice(0, maxResources);
    const added = shown.filter((arn) => add(`- ${inlineCode(clip(arn, maxValueChars))}`)).length;
    if (added < arns.length) add(`- …and ${arns.length - added} more`);
  }

  const block = detailBlock(facts);
  if (block !== null) {
    const heading = `\n**${block.heading}:**\n`;
    const fenced = fencedBlock(block.json, 'json', budget - heading.length - 1);
    if (fenced !== null) add(`${heading}${fenced}`);
  }
  return `${markdownOpen}${lines.join('\n')}${markdownClose}`;
}
