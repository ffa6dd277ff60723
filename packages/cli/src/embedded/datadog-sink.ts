import {
  applyLatePolicy,
  type DatadogClient,
  deliverEvent,
  deliverLogs,
  type ItemResult,
  type LateItemPolicy,
  type LogEntry,
  logEntryBytes,
  planLogBatches,
} from '@trailstream/datadog';
import type { DatadogOutput } from '@trailstream/schemas';
import type { OutputSink } from './embedded-pipeline.js';

export interface DeliveryTally {
  accepted: number;
  /** Refused by Datadog (or too old under the dead-letter policy): the real pipeline dead-letters these. */
  refused: number;
}

/**
 * Delivers outputs to Datadog with the datadog package's own retry, split and narrow-down logic: events a
 * few at a time, logs in batches as the emitter sends them. What Datadog refuses is reported, not dropped silently.
 */
export function datadogSink(
  client: DatadogClient,
  policy: LateItemPolicy,
  eventsInFlight = 8,
  now = () => Date.now(),
): OutputSink & { tally: DeliveryTally } {
  const tally: DeliveryTally = { accepted: 0, refused: 0 };
  const inFlight = new Set<Promise<void>>();
  let logs: LogEntry[] = [];

  const count = (id: string, result: ItemResult) => {
    if (result.accepted) tally.accepted++;
    else {
      tally.refused++;
      process.stderr.write(`Datadog refused ${id}: ${result.reasonClass}: ${result.reasonMessage}\n`);
    }
  };
  const refuse = (id: string, reasonMessage: string) =>
    count(id, { accepted: false, reasonClass: 'datadog-rejected', reasonMessage });

  let logBytes = 0;
  async function flushLogs(): Promise<void> {
    const pending = logs;
    logs = [];
    logBytes = 0;
    for (const batch of planLogBatches(pending, logEntryBytes)) {
      const results = await deliverLogs(client, batch);
      for (const [i, result] of results.entries()) count(`log ${i} of a batch`, result);
    }
  }

  return {
    tally,
    async write(output: DatadogOutput) {
      const decision = applyLatePolicy(output, now(), policy);
      if (decision.action === 'dead-letter') return refuse(output.eventID, decision.reasonMessage);
      if (decision.action === 'send-event') {
        const delivery = deliverEvent(client, decision.payload).then((result) =>
          count(output.eventID, result),
        );
        inFlight.add(delivery);
        void delivery.finally(() => inFlight.delete(delivery));
        if (inFlight.size >= eventsInFlight) await Promise.race(inFlight);
        return;
      }
      logs.push(decision.payload);
      logBytes += decision.payload.json.length;
      // Enough for a few full batches; planLogBatches cuts them to Datadog's limits.
      if (logs.length >= 4_000 || logBytes >= 16 * 1024 * 1024) await flushLogs();
    },
    async finish() {
      await Promise.all(inFlight);
      if (logs.length > 0) await flushLogs();
    },
  };
}
