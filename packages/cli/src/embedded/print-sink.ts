import { applyLatePolicy, type LateItemPolicy } from '@trailstream/datadog';
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
      const decision = applyLatePolicy(output, now(), policy);
      if (decision.action === 'send-log') await write(decision.payload.json);
      else if (decision.action === 'send-event') await write(JSON.stringify(decision.payload));
      else
        process.stderr.write(
          `would dead-letter ${output.kind} ${output.eventID}: ${decision.reasonMessage}\n`,
        );
    },
    async finish() {},
  };
}
