import { eventLimits } from '@trailstream/datadog';
import { readPath, readText } from '../record/cloudtrail-event.js';
import type { RecordFacts } from '../record/record-facts.js';
import { renderTitleTemplate, type TitleTemplate } from '../rules/title-template.js';
import { clip } from './markdown.js';

const where = (facts: RecordFacts) => (facts.awsRegion === null ? '' : ` in ${facts.awsRegion}`);

/** Who did what where: "alice ran TerminateInstances in eu-west-1". */
function defaultTitle(facts: RecordFacts): string {
  const { actor, event } = facts;
  if (facts.isInsight) {
    const state = readText(event, 'insightDetails.state');
    const type = readText(event, 'insightDetails.insightType') ?? 'Insight';
    return `CloudTrail Insight${state === null ? '' : ` ${state}`}: ${type} for ${facts.eventName}${where(facts)}`;
  }
  if (facts.isFailedConsoleSignIn) return `${actor.name} failed to sign in to the AWS console`;
  if (facts.isConsoleSignIn) return `${actor.name} signed in to the AWS console`;
  if (facts.errorCode !== null)
    return `${actor.name} failed to run ${facts.eventName}${where(facts)} (${facts.errorCode})`;
  return `${actor.name} ran ${facts.eventName}${where(facts)}`;
}

function templateValue(facts: RecordFacts, name: string): string {
  switch (name) {
    case 'actor':
      return facts.actor.name;
    case 'service':
      return facts.eventSource.replace(/\.amazonaws\.com$/, '');
    case 'account':
      return facts.accountId ?? 'unknown account';
    case 'eventSource':
      return facts.eventSource;
    case 'eventName':
      return facts.eventName;
  }
  const value = readPath(facts.event, name);
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return String(value);
  return value === undefined || value === null ? '(none)' : JSON.stringify(value);
}

/** The event title, from the rule's template when it has one; cut to Datadog's title length. */
export function eventTitle(facts: RecordFacts, template: TitleTemplate | null): string {
  const title =
    template === null
      ? defaultTitle(facts)
      : renderTitleTemplate(template, (name) => templateValue(facts, name));
  return clip(title.replace(/\s+/g, ' ').trim(), eventLimits.titleChars);
}
