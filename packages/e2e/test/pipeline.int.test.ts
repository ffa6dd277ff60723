import { syntheticTrail, type TrailObject, uniqueName } from '@trailstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  committedOutputs,
  duplicatesIn,
  eventEventIds,
  loggedEventIds,
  type RunningPipeline,
  startPipeline,
  waitFor,
} from './pipeline.js';

let pipeline: RunningPipeline | undefined;
afterEach(async () => {
  await pipeline?.stop();
  pipeline = undefined;
});

function recentTrail(files: number, recordsPerFile: number): TrailObject[] {
  // Recent enough that Datadog would take every item as it is (no late-item policy involved).
  return [
    ...syntheticTrail({
      files,
      recordsPerFile,
      start: new Date(Date.now() - 30 * 60_000),
      seed: uniqueName('trail'),
    }),
  ];
}

/** Every record logged exactly as often as delivered, every event output delivered; returns the intake's duplicates. */
async function expectEverythingDelivered(running: RunningPipeline, trail: TrailObject[], timeoutMs: number) {
  const expected = new Set(trail.flatMap((o) => o.eventIDs));
  await waitFor(
    () => new Set(loggedEventIds(running.intake)).size >= expected.size,
    timeoutMs,
    () =>
      `${new Set(loggedEventIds(running.intake)).size} of ${expected.size} records logged; ${running.intake.snapshot().events.length} events`,
  );
  const { recordIds, outputIds } = await committedOutputs(running, expected.size);
  // Exactly once out of the transactional stages: each record once on the records topic, each output once.
  expect(recordIds.length).toBe(expected.size);
  expect(duplicatesIn(recordIds)).toEqual([]);
  expect(new Set(recordIds)).toEqual(expected);
  expect(duplicatesIn(outputIds)).toEqual([]);
  const eventOutputs = outputIds
    .filter((id) => id.startsWith('event:'))
    .map((id) => id.slice('event:'.length));
  expect(eventOutputs.length).toBeGreaterThan(0);

  // At least once into Datadog: every log and every event arrived.
  await waitFor(
    () => new Set(eventEventIds(running.intake)).size >= eventOutputs.length,
    timeoutMs,
    () => `${new Set(eventEventIds(running.intake)).size} of ${eventOutputs.length} events delivered`,
  );
  expect(new Set(loggedEventIds(running.intake))).toEqual(expected);
  expect(new Set(eventEventIds(running.intake))).toEqual(new Set(eventOutputs));
  expect(running.intake.snapshot().rejections).toEqual([]);
  return running.intake.snapshot().duplicates;
}

describe('the four services end to end', () => {
  it('SQS mode: every record of a trail uploaded with bucket notifications arrives exactly once', async () => {
    pipeline = await startPipeline('sqs');
    const trail = recentTrail(12, 30);
    await pipeline.upload(trail);
    const duplicates = await expectEverythingDelivered(pipeline, trail, 120_000);
    expect(duplicates).toEqual({ events: 0, logs: 0 });
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
