import { writeFile } from 'node:fs/promises';
import { collectFor, eventually, metricValue } from '@trailstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { eventOutput, goodKey, type Harness, startHarness, wrongKey } from './emitter-harness.js';

let harness: Harness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const ids = (prefix: string, count: number) =>
  Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
const deliveredTitles = (h: Harness) =>
  new Set(h.intake.snapshot().events.map(({ payload }) => payload.title));

describe('emitter facing a Datadog address that is set up wrong', () => {
  it.each([
    [404, 'DD_URL must be the base URL'],
    [302, 'redirects to https://elsewhere.example'],
    [407, 'HTTPS_PROXY'],
  ])(
    'HTTP %i pauses consumption, /readyz false, one log line with the fix, nothing dead-lettered; resumes after a probe passes',
    async (status, fix) => {
      harness = await startHarness();
      const h = harness;
      expect(h.emitter.isReady()).toBe(true);
      // The intake answers as a wrong path, a redirect or an authenticating proxy would, for a while.
      h.intake.addFaults([
        { kind: 'error', status, times: 3, endpoint: 'events' },
        { kind: 'error', status, times: 2, endpoint: 'validate' },
      ]);
      await h.produce(ids('setup', 30).map((id) => eventOutput(id)));
      await eventually(() => !h.emitter.isReady(), { what: 'the emitter reporting not ready' });
      // What a dashboard or monitor sees of the pause, whatever its cause.
      await eventually(
        async () =>
          (await metricValue(h.registry, 'trailstream_emitter_paused', { cause: 'misconfigured' })) === 1,
        { what: 'trailstream_emitter_paused{cause="misconfigured"} 1' },
      );

      await h.waitForIntake(() => deliveredTitles(h).size >= 30);
      expect(h.emitter.isReady()).toBe(true);
      expect(await collectFor(h.kafka, h.topics.dlq, 1_000)).toHaveLength(0);
      const paused = h.logLines.filter((line) => line.includes('Datadog delivery is misconfigured'));
      expect(paused).toHaveLength(1);
      expect(JSON.parse(paused[0]!)).toMatchObject({ level: 'error', status });
      expect(paused[0]).toContain(fix);
      expect(h.logLines.some((line) => line.includes('Datadog delivery works again'))).toBe(true);
      expect(await metricValue(h.registry, 'trailstream_emitter_paused', { cause: 'misconfigured' })).toBe(0);
    },
  );

  it('a key re-read from DD_API_KEY_FILE after rotation joins the log scrubber', async () => {
    harness = await startHarness({ initialKey: wrongKey });
    const h = harness;
    expect(h.emitter.isReady()).toBe(false);
    expect(await metricValue(h.registry, 'trailstream_emitter_paused', { cause: 'key-refused' })).toBe(1);
    await writeFile(h.keyFile, `${goodKey}\n`);
    await eventually(() => h.emitter.isReady(), { what: 'the rotated key accepted' });
    expect(await metricValue(h.registry, 'trailstream_emitter_paused', { cause: 'key-refused' })).toBe(0);
    h.logger.warn({ err: new Error(`proxy echoed dd-api-key: ${goodKey}`) }, `request with ${goodKey}`);
    expect(h.logLines.join('\n')).not.toContain(goodKey);
    expect(h.logLines.at(-1)).toContain('[REDACTED]');
  });
});
