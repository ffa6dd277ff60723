import { applyLatePolicy, type EventPayload, type LateItemPolicy, type LogEntry } from '@trailstream/datadog';
import { ContractError, datadogOutputContract, type MessageHeaders } from '@trailstream/schemas';

/** A message of the datadog topic as the consumer hands it over. */
export interface ConsumedMessage {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: MessageHeaders;
}

/** What to do with one consumed message; `index` points back into the consumed list. */
export type PlannedItem =
  | { kind: 'event'; index: number; eventTimeMs: number | null; payload: EventPayload; late: boolean }
  | { kind: 'log'; index: number; eventTimeMs: number | null; entry: LogEntry; late: boolean }
  | {
      kind: 'dead-letter';
      index: number;
      reasonClass: string;
      reasonMessage: string;
      /** What the message held, when it decoded. */
      output?: 'event' | 'log';
    };

function parseEventTime(eventTime: string): number | null {
  const ms = Date.parse(eventTime);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * Decides, without I/O, what each message becomes: a Datadog event, a log entry, or a dead letter
 * (undecodable, or too old under the dead-letter policy). Late items are re-dated by the `send-now` policy.
 */
export function planDelivery(
  messages: readonly ConsumedMessage[],
  nowMs: number,
  policy: LateItemPolicy,
): PlannedItem[] {
  return messages.map((message, index): PlannedItem => {
    if (message.value === null) {
      return {
        kind: 'dead-letter',
        index,
        reasonClass: 'empty-message',
        reasonMessage: 'message has no value',
      };
    }
    let output: ReturnType<typeof datadogOutputContract.decode>;
    try {
      output = datadogOutputContract.decode(message.value, message.headers);
    } catch (error) {
      if (!(error instanceof ContractError)) throw error;
      return { kind: 'dead-letter', index, reasonClass: 'undecodable', reasonMessage: error.message };
    }
    const eventTimeMs = parseEventTime(output.eventTime);
    const decision = applyLatePolicy(output, nowMs, policy);
    if (decision.action === 'dead-letter')
      return { kind: 'dead-letter', index, output: output.kind, ...decision };
    if (decision.action === 'send-event') {
      return { kind: 'event', index, eventTimeMs, payload: decision.payload, late: decision.late };
    }
    return { kind: 'log', index, eventTimeMs, entry: decision.payload, late: decision.late };
  });
}
