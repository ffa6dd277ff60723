import type { Schema } from 'avsc';

/** A record schema whose fields later versions can map over. */
export interface RecordSchema {
  type: 'record';
  name: string;
  namespace: string;
  fields: { name: string; type: Schema; default?: null; doc?: string }[];
}

/** v1's log: the record's JSON as a string `message`, before logs took the Forwarder's structured shape. */
export interface LogV1 {
  message: string;
  ddsource: string;
  service: string;
  ddtags: string;
  hostname: string | null;
}

/** v1: an event, or a log whose `message` is the record's JSON. */
export const datadogOutputV1: RecordSchema = {
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
