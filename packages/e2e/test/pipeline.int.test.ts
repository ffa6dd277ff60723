import { afterEach, describe, expect, it } from 'vitest';
import {
  expectDatadogNativeOutputs,
  expectEverythingDelivered,
  loggedEventIds,
  type RunningPipeline,
  recentTrail,
  startPipeline,
  waitFor,
} from './pipeline.js';

let pipeline: RunningPipeline | undefined;
afterEach(async () => {
  await pipeline?.stop();
  pipeline = undefined;
});

describe('the four services end to end', () => {
  it('SQS mode: every record of a trail uploaded with bucket notifications arrives exactly once, Datadog-native', async () => {
    pipeline = await startPipeline('sqs');
    const trail = recentTrail(12, 30);
    await pipeline.upload(trail);
    const duplicates = await expectEverythingDelivered(pipeline, trail, 120_000);
    expect(duplicates).toEqual({ events: 0, logs: 0 });
    expectDatadogNativeOutputs(pipeline);
  });

  it('poll mode: the same by listing the bucket', async () => {
    pipeline = await startPipeline('poll');
    const trail = recentTrail(12, 30);
    await pipeline.upload(trail);
    const duplicates = await expectEverythingDelivered(pipeline, trail, 120_000);
    expect(duplicates).toEqual({ events: 0, logs: 0 });
  });

  it('each service SIGKILLed once mid-run and restarted: nothing lost, no duplicate from the exactly-once stages', async () => {
    pipeline = await startPipeline('sqs');
    const running = pipeline;
    const trail = recentTrail(24, 40);
    const batches = [0, 1, 2, 3, 4].map((i) => trail.slice(i * 5, i * 5 + 5));
    await running.upload(batches[0]!);
    for (const [i, service] of (
      ['fetcher-parser', 'filter-mapper', 'emitter', 'discovery'] as const
    ).entries()) {
      await waitFor(
        () => loggedEventIds(running.intake).length > 0,
        60_000,
        () => 'nothing delivered yet',
      );
      await running.upload(batches[i + 1]!);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await running.crashAndRestart(service);
    }
    const duplicates = await expectEverythingDelivered(running, trail, 240_000);
    // Only the emitter (at least once) may re-send what Datadog accepted before a crash; report how many.
    process.stderr.write(`[e2e] duplicates at the intake after the crashes: ${JSON.stringify(duplicates)}\n`);
  });
});
