import { createHash } from 'node:crypto';
import { FINDING_TITLES, findingId, type IntegrityFinding } from '@trailstream/cloudtrail';
import { type DatadogOutput, datadogOutputContract } from '@trailstream/schemas';
import type { Message } from 'kafkajs';

/** Datadog refuses event text past 4000 characters. */
const MAX_TEXT = 4000;

const idOf = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32);

function eventMessage(key: string, output: DatadogOutput): Message {
  return { key, ...datadogOutputContract.encode(output) };
}

/** A finding as a Datadog event: alert type error, tags account, region and finding only (low cardinality). */
export function findingEvent(finding: IntegrityFinding, now: number): Message {
  const id = findingId(finding);
  const text = [
    `${FINDING_TITLES[finding.kind]}: s3://${finding.bucket}/${finding.key}`,
    finding.detail,
    finding.trailName ? `trail: ${finding.trailName}` : 'no trail lists it',
  ].join('\n');
  return eventMessage(id, {
    kind: 'event',
    eventID: idOf(id),
    eventTime: new Date(now).toISOString(),
    event: {
      title: `${FINDING_TITLES[finding.kind]} in ${finding.accountId} ${finding.region}`,
      text: text.slice(0, MAX_TEXT),
      dateHappened: Math.floor(now / 1000),
      tags: [`account:${finding.accountId}`, `region:${finding.region}`, `finding:${finding.kind}`],
      aggregationKey: `integrity:${finding.kind}:${finding.accountId}:${finding.region}`.slice(0, 100),
      alertType: 'error',
      priority: 'normal',
      sourceTypeName: 'cloudtrail',
      host: null,
    },
    log: null,
  });
}

export type StreamEventKind = 'new' | 'silent' | 'recovered';

export interface StreamIdentity {
  id: string;
  /** The account × region log folder the chain's trail writes to. */
  area: string;
  accountId: string;
  region: string;
  trailName: string;
}

const STREAM_TITLES: Readonly<Record<StreamEventKind, string>> = {
  new: 'CloudTrail stream new',
  silent: 'CloudTrail stream silent',
  recovered: 'CloudTrail stream recovered',
};

/** A stream's liveness as a Datadog event: silent is an error, recovered a success, new an info. */
export function streamEvent(
  kind: StreamEventKind,
  stream: StreamIdentity,
  detail: string,
  now: number,
): Message {
  const alertType = kind === 'silent' ? 'error' : kind === 'recovered' ? 'success' : 'info';
  return eventMessage(`${kind} ${stream.id}`, {
    kind: 'event',
    eventID: idOf(`${kind} ${stream.id} ${now}`),
    eventTime: new Date(now).toISOString(),
    event: {
      title: `${STREAM_TITLES[kind]}: ${stream.trailName} in ${stream.accountId} ${stream.region}`,
      text: `${detail}\nstream: ${stream.id}`.slice(0, MAX_TEXT),
      dateHappened: Math.floor(now / 1000),
      tags: [`account:${stream.accountId}`, `region:${stream.region}`, `stream_event:${kind}`],
      aggregationKey: `integrity:stream:${stream.accountId}:${stream.region}`.slice(0, 100),
      alertType,
      priority: 'normal',
      sourceTypeName: 'cloudtrail',
      host: null,
    },
    log: null,
  });
}
