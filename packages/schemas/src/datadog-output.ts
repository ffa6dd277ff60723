import type { Schema } from 'avsc';
import { defineContract } from './contract.js';
import { datadogOutputV1, type LogV1 } from './history/datadog-output.js';

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

/**
 * An entry for Datadog's logs intake v2. `attributes` is the entry as one JSON object text without
 * `ddtags`: in the Datadog Forwarder's shape, the record's own fields with `aws.s3`, `ddsource`,
 * `ddsourcecategory`, `service` and `host`. Senders add `ddtags` (and `timestamp` when re-dating) as
 * members of that object, so the record's JSON is never parsed again on the way out.
 */
export interface DatadogLog {
  attributes: string;
  ddtags: string;
}

/** What filter-mapper hands the emitter: an event or a log entry for one CloudTrail record. */
export type DatadogOutput =
  | { kind: 'event'; eventID: string; eventTime: string; event: DatadogEvent; log: null }
  | { kind: 'log'; eventID: string; eventTime: string; event: null; log: DatadogLog };

/** v2 keeps v1's log fields (nullable, for messages written before) and adds `attributes`. */
const datadogOutputV2: Schema = {
  ...datadogOutputV1,
  fields: datadogOutputV1.fields.map((field) =>
    field.name !== 'log'
      ? field
      : {
          name: 'log',
          default: null,
          type: [
            'null',
            {
              type: 'record',
              name: 'DatadogLog',
              fields: [
                { name: 'attributes', type: ['null', 'string'], default: null },
                { name: 'ddtags', type: 'string' },
                { name: 'message', type: ['null', 'string'], default: null },
                { name: 'ddsource', type: ['null', 'string'], default: null },
                { name: 'service', type: ['null', 'string'], default: null },
                { name: 'hostname', type: ['null', 'string'], default: null },
              ],
            },
          ],
        },
  ),
};

/** A log as v2 carries it: v1's fields are null in what this code writes. */
type WireLog = { [field in keyof LogV1]: LogV1[field] | null } & { attributes: string | null };

/** A v1 log becomes the entry v1 code sent: the record's JSON as `message`. */
function attributesOfV1(log: WireLog): string {
  const { message, ddsource, service, hostname } = log;
  return JSON.stringify({ message, ddsource, service, ...(hostname === null ? {} : { hostname }) });
}

export const datadogOutputContract = defineContract<DatadogOutput>(
  'trailstream.DatadogOutput',
  { 1: datadogOutputV1, 2: datadogOutputV2 },
  {
    toWire: (output) =>
      output.log === null
        ? output
        : {
            ...output,
            log: { ...output.log, message: null, ddsource: null, service: null, hostname: null },
          },
    fromWire: (wire) => {
      const log = wire.log as WireLog | null;
      if (log === null) return wire;
      const attributes = log.attributes ?? attributesOfV1(log);
      return { ...wire, log: { attributes, ddtags: log.ddtags } } as DatadogOutput;
    },
  },
);
