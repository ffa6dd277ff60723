import type { Schema } from 'avsc';
import { defineContract } from './contract.js';

export type AlertType = 'error' | 'warning' | 'info' | 'success';
export type EventPriority = 'normal' | 'low';

/** An event for Datadog's Events API v1, field for field. */
export interface DatadogEvent {
  title: string;
  text: string;
  /** epoch seconds */
  dateHappened: number;
  tags: string[];
  aggregationKey: string | null;
  alertType: AlertType;
  priority: EventPriority;
  sourceTypeName: string;
  host: string | null;
}

/** An entry for Datadog's logs intake v2; `message` is the record's JSON. */
export interface DatadogLog {
  message: string;
  ddsource: string;
  service: string;
  ddtags: string;
  hostname: string | null;
}

/** What filter-mapper hands the emitter: an event or a log entry for one CloudTrail record. */
export type DatadogOutput =
  | { kind: 'event'; eventID: string; eventTime: string; event: DatadogEvent; log: null }
  | { kind: 'log'; eventID: string; eventTime: string; event: null; log: DatadogLog };

const datadogOutputV1: Schema = {
  type: 'record',
  name: 'DatadogOutput',
  namespace: 'trailstream',
  fields: [
    { name: 'kind', type: { type: 'enum', name: 'OutputKind', symbols: ['event', 'log'] } },
    { name: 'eventID', type: 'string' },
    { name: 'eventTime', type: 'string', doc: 'the CloudTrail eventTime, for end-to-end delay' },
    {
      name: 'event',
      default: null,
      type: [
        'null',
        {
          type: 'record',
          name: 'DatadogEvent',
          fields: [
            { name: 'title', type: 'string' },
            { name: 'text', type: 'string' },
            { name: 'dateHappened', type: 'long', doc: 'epoch seconds' },
            { name: 'tags', type: { type: 'array', items: 'string' } },
            { name: 'aggregationKey', type: ['null', 'string'], default: null },
            {
              name: 'alertType',
              type: { type: 'enum', name: 'AlertType', symbols: ['error', 'warning', 'info', 'success'] },
            },
            { name: 'priority', type: { type: 'enum', name: 'EventPriority', symbols: ['normal', 'low'] } },
            { name: 'sourceTypeName', type: 'string' },
            { name: 'host', type: ['null', 'string'], default: null },
          ],
        },
      ],
    },
    {
      name: 'log',
      default: null,
      type: [
        'null',
        {
          type: 'record',
          name: 'DatadogLog',
          fields: [
            { name: 'message', type: 'string' },
            { name: 'ddsource', type: 'string' },
            { name: 'service', type: 'string' },
            { name: 'ddtags', type: 'string' },
            { name: 'hostname', type: ['null', 'string'], default: null },
          ],
        },
      ],
    },
  ],
};

export const datadogOutputContract = defineContract<DatadogOutput>('trailstream.DatadogOutput', {
  1: datadogOutputV1,
});
