import {
  applyLateEventPolicy,
  applyLateLogPolicy,
  type LateItemPolicy,
  toEventPayload,
  toLogEntry,
} from '@trailstream/datadog';
import type { DatadogOutput } from '@trailstream/schemas';
import type { OutputSink } from './embedded-pipeline.js';

/**
 * Prints each output as the JSON body the emitter would send Datadog (an Events API event or a logs
 * intake entry), one per line, after the same late-item policy the emitter applies.
 */
export function printSink(
  out: NodeJS.WritableStream,
  policy: LateItemPolicy,
  now = () => Date.now(),
): OutputSink {
  const write = (line: string) =>
    new Promise<void>((resolve) => {
      if (out.write(`${line}\n`)) resolve();
      else out.once('drain', resolve);
    });
  return {
    async write(output: DatadogOutput) {
      const nowSeconds = Math.floor(now() / 1000);
      if (output.kind === 'event') {
        const decision = applyLateEventPolicy(toEventPayload(output.event), nowSeconds, policy);
        if (decision.action === 'send') await write(JSON.stringify(decision.payload));
        else process.stderr.write(`would dead-letter event ${output.eventID}: ${decision.reasonMessage}\n`);
      } else {
        const eventSeconds = Math.floor(Date.parse(output.eventTime) / 1000);
        const decision = applyLateLogPolicy(toLogEntry(output.log), eventSeconds, nowSeconds, policy);
        if (decision.action === 'send') await write(JSON.stringify(decision.payload));
        else process.stderr.write(`would dead-letter log ${output.eventID}: ${decision.reasonMessage}\n`);
      }
    },
    async finish() {},
  };
}
