import { writeFile } from 'node:fs/promises';
import { LATE_TAG } from '@trailstream/datadog';
import { deadLetterContract } from '@trailstream/schemas';
import { collectFor, collectMessages, eventually, metricValue } from '@trailstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  committedOffsets,
  eventOutput,
  goodKey,
  type Harness,
  logOutput,
  startHarness,
  wrongKey,
} from './emitter-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  if (!harness) return;
  const log = harness.logLines.join('\n');
  await harness.close();
  harness = undefined;
  // Whatever happened in the test, the key never reached a log line (the logger scrubs nothing here).
  expect(log).not.toContain(goodKey);
  expect(log).not.toContain(wrongKey);
});

const ids = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
const titles = (harnessNow: Harness) =>
  new Set(harnessNow.intake.snapshot().events.map(({ payload }) => payload.title));
const logMessages = (harnessNow: Harness) =>
  new Set(harnessNow.intake.snapshot().logs.map(({ entry }) => entry.eventID));

describe('emitter', () => {
  it('delivers every event and every log, and commits past them', async () => {
    harness = await startHarness();
    const eventIds = ids('ev', 300);
    const logIds = ids('log', 1500);
    await harness.produce([...eventIds.map((id) => eventOutput(id)), ...logIds.map((id) => logOutput(id))]);
    const h = harness;
    await h.waitForIntake((snapshot) => snapshot.events.length >= 300 && snapshot.logs.length >= 1500);
    expect(titles(h)).toEqual(new Set(eventIds.map((id) => `ConsoleLogin ${id}`)));
    expect(logMessages(h)).toEqual(new Set(logIds));
    expect(h.emitter.isReady()).toBe(true);
    // The intake records before its answer reaches the emitter: wait for the commits.
    await eventually(async () => (await committedOffsets(h)).reduce((a, b) => a + b, 0) === 1800, {
      what: 'every offset committed',
    });
    expect(await metricValue(h.registry, 'trailstream_emitter_delivered_total', { kind: 'event' })).toBe(300);
    expect(await metricValue(h.registry, 'trailstream_emitter_delivered_total', { kind: 'log' })).toBe(1500);
    expect(await collectFor(h.kafka, h.topics.dlq, 1_000)).toHaveLength(0);
  });

  it('survives bursts of 429, 500 and dropped connections with nothing lost', async () => {
    harness = await startHarness();
    harness.intake.addFaults([
      { kind: 'rate-limit', times: 6, resetSeconds: 1 },
      { kind: 'error', status: 500, times: 10 },
      { kind: 'error', status: 503, times: 4, endpoint: 'logs' },
      { kind: 'drop', times: 3 },
    ]);
    const eventIds = ids('burst-ev', 120);
    const logIds = ids('burst-log', 600);
    await harness.produce([...eventIds.map((id) => eventOutput(id)), ...logIds.map((id) => logOutput(id))]);
    const h = harness;
    await h.waitForIntake(() => titles(h).size >= 120 && logMessages(h).size >= 600);
    expect(titles(h)).toEqual(new Set(eventIds.map((id) => `ConsoleLogin ${id}`)));
    expect(logMessages(h)).toEqual(new Set(logIds));
    expect(h.intake.snapshot().responses).toMatchObject({ 'events 429': expect.any(Number) });
    expect(await metricValue(h.registry, 'trailstream_emitter_retries_total')).toBeGreaterThanOrEqual(23);
    expect(
      await metricValue(h.registry, 'trailstream_emitter_retries_total', { cause: 'http-429' }),
    ).toBeGreaterThan(0);
    expect(await collectFor(h.kafka, h.topics.dlq, 1_000)).toHaveLength(0);
  });

  it('dead-letters a poisoned entry of a logs batch alone and delivers the rest', async () => {
    harness = await startHarness({ partitions: 1 });
    harness.intake.addFaults([{ kind: 'reject-containing', text: 'poison-me', endpoint: 'logs' }]);
    const logIds = ids('batch', 400);
    logIds[123] = 'poison-me';
    await harness.produce(logIds.map((id) => logOutput(id)));
    const h = harness;
    const letters = await collectMessages(h.kafka, h.topics.dlq, {
      until: (messages) => messages.length >= 1,
    });
    await h.waitForIntake(() => logMessages(h).size >= 399);
    expect(logMessages(h)).toEqual(new Set(logIds.filter((id) => id !== 'poison-me')));
    expect(letters).toHaveLength(1);
    const letter = deadLetterContract.decode(letters[0]!.value as Buffer, letters[0]!.headers);
    expect(letter).toMatchObject({
      stage: 'emitter',
      reasonClass: 'datadog-rejected',
      originalTopic: h.topics.datadog,
      originalOffset: '123',
      originalKey: Buffer.from('poison-me'),
    });
    expect(letter.reasonMessage).toContain('HTTP 400');
    // The letter is acked before the emitter counts it.
    await eventually(
      async () =>
        (await metricValue(h.registry, 'trailstream_dead_letters_total', {
          stage: 'emitter',
          reason_class: 'datadog-rejected',
        })) === 1,
      { what: 'the dead letter counted' },
    );
    expect(await collectFor(h.kafka, h.topics.dlq, 1_000)).toHaveLength(1);
  });

  it('stops consuming on a refused key, dead-letters nothing, and resumes when the key is fixed', async () => {
    harness = await startHarness({ initialKey: wrongKey });
    const h = harness;
    expect(h.emitter.isReady()).toBe(false);
    expect(await metricValue(h.registry, 'trailstream_emitter_api_key_valid')).toBe(0);
    const eventIds = ids('key-ev', 50);
    const logIds = ids('key-log', 50);
    await h.produce([...eventIds.map((id) => eventOutput(id)), ...logIds.map((id) => logOutput(id))]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(h.intake.snapshot().events).toHaveLength(0);
    expect(h.intake.snapshot().logs).toHaveLength(0);
    expect(h.emitter.isReady()).toBe(false);
    expect(h.logLines.some((line) => line.includes('Datadog refused the API key'))).toBe(true);

    await writeFile(h.keyFile, `${goodKey}\n`);
    await h.waitForIntake(() => titles(h).size >= 50 && logMessages(h).size >= 50);
    expect(h.emitter.isReady()).toBe(true);
    expect(await metricValue(h.registry, 'trailstream_emitter_api_key_valid')).toBe(1);
    expect(await collectFor(h.kafka, h.topics.dlq, 1_000)).toHaveLength(0);
  });

  it('pauses when the key is revoked while running, and recovers', async () => {
    harness = await startHarness();
    const h = harness;
    await h.produce(ids('before', 20).map((id) => eventOutput(id)));
    await h.waitForIntake((snapshot) => snapshot.events.length >= 20);
    h.intake.setApiKeys(['someone-else'.repeat(3)]);
    await h.produce(ids('during', 20).map((id) => eventOutput(id)));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(h.emitter.isReady()).toBe(false);
    h.intake.setApiKeys([goodKey]);
    await h.waitForIntake(
      () => [...titles(h)].filter((title) => String(title).includes('during')).length >= 20,
    );
    expect(h.emitter.isReady()).toBe(true);
    expect(await collectFor(h.kafka, h.topics.dlq, 1_000)).toHaveLength(0);
  });

  it('sends items older than 18 hours dated now, with their real time, under the default policy', async () => {
    harness = await startHarness();
    const h = harness;
    const longAgo = new Date(Date.now() - 30 * 3600_000).toISOString();
    await h.produce([eventOutput('old-event', longAgo), logOutput('old-log', longAgo)]);
    const snapshot = await h.waitForIntake(
      (current) => current.events.length >= 1 && current.logs.length >= 1,
    );
    const event = snapshot.events[0]!.payload;
    expect(event.tags).toContain(LATE_TAG);
    expect(String(event.text)).toContain(
      `Originally happened at ${longAgo.replace('.000Z', 'Z').slice(0, 19)}`,
    );
    expect(Number(event.date_happened)).toBeGreaterThan(Date.now() / 1000 - 120);
    const log = snapshot.logs[0]!.entry;
    expect(String(log.ddtags)).toContain(LATE_TAG);
    expect(log.eventTime).toBe(longAgo);
    // The intake records before its answer reaches the emitter, which counts on the answer.
    await eventually(
      async () => (await metricValue(h.registry, 'trailstream_emitter_late_items_total')) === 2,
      { what: 'both late items counted' },
    );
    expect(snapshot.rejections).toHaveLength(0);
  });

  it('dead-letters items older than 18 hours under the dead-letter policy', async () => {
    harness = await startHarness({ latePolicy: 'dead-letter', partitions: 1 });
    const h = harness;
    const longAgo = new Date(Date.now() - 30 * 3600_000).toISOString();
    await h.produce([eventOutput('old-event', longAgo), logOutput('old-log', longAgo), eventOutput('fresh')]);
    await h.waitForIntake((snapshot) => snapshot.events.length >= 1);
    const letters = await collectMessages(h.kafka, h.topics.dlq, {
      until: (messages) => messages.length >= 2,
    });
    expect(
      letters.map(
        (message) => deadLetterContract.decode(message.value as Buffer, message.headers).reasonClass,
      ),
    ).toEqual(['too-old', 'too-old']);
    expect(h.intake.snapshot().events.map(({ payload }) => payload.title)).toEqual(['ConsoleLogin fresh']);
  });
});
