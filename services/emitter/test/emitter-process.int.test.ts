import { type DatadogOutput, datadogOutputContract } from '@trailstream/schemas';
import {
  createTestTopics,
  type DatadogIntake,
  type ServiceProcess,
  startDatadogIntake,
  startServiceProcess,
  testKafka,
  uniqueName,
} from '@trailstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventOutput, goodKey, logOutput } from './emitter-harness.js';

const kafka = testKafka();
let intake: DatadogIntake;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  intake = await startDatadogIntake({ apiKeys: [goodKey] });
});
afterAll(async () => {
  await Promise.all(running.map((process) => process.stop('SIGKILL')));
  await intake.close();
});

async function produce(topic: string, outputs: DatadogOutput[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic,
    messages: outputs.map((output) => {
      const encoded = datadogOutputContract.encode(output);
      return { key: output.eventID, value: encoded.value, headers: encoded.headers };
    }),
  });
  await producer.disconnect();
}

function startEmitterProcess(env: Record<string, string>): ServiceProcess {
  const process = startServiceProcess('emitter', { DD_URL: intake.url, DD_API_KEY: goodKey, ...env });
  running.push(process);
  return process;
}

const portOf = (line: string) => (JSON.parse(line) as { port: number }).port;

describe('emitter process', () => {
  it('refuses to start without a key, naming the variables', async () => {
    const process = startServiceProcess('emitter', { DD_URL: intake.url });
    const exitCode = await new Promise((resolve) => {
      if (process.child.exitCode !== null) resolve(process.child.exitCode);
      else process.child.once('exit', resolve);
    });
    expect(exitCode).toBe(78);
    expect(process.output.join('\n')).toContain('DD_API_KEY or DD_API_KEY_FILE is required');
  });

  it('delivers, reports ready, and after a crash redelivers only what was accepted but not committed', async () => {
    const topics = await createTestTopics(kafka, { datadog: { partitions: 4 }, dlq: {} });
    const env = {
      TOPIC_DATADOG: topics.datadog,
      TOPIC_DLQ: topics.dlq,
      KAFKA_GROUP_ID: uniqueName('emitter'),
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      EMITTER_EVENTS_PER_SECOND: '400',
      EMITTER_EVENTS_BURST: '20',
    };
    const count = 2000;
    const eventIds = Array.from({ length: count }, (_, index) => `crash-${index}`);
    await produce(topics.datadog, [...eventIds.map((id) => eventOutput(id)), logOutput('crash-log')]);

    const first = startEmitterProcess(env);
    const port = portOf(await first.waitForOutput(/health and metrics server listening/));
    await first.waitForOutput(/emitter consuming/);
    const readyz = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(readyz.status).toBe(200);
    // Kill it mid-stream: the rate budget makes the run take seconds, with periodic commits along the way.
    const deadline = Date.now() + 30_000;
    while (intake.snapshot().events.length < 1200 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    await first.stop('SIGKILL');
    const beforeCrash = intake.snapshot().events.length;
    const admin = kafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: env.KAFKA_GROUP_ID, topics: [topics.datadog] });
    await admin.disconnect();
    const committedMessages = (committed?.partitions ?? []).reduce(
      (sum, { offset }) => sum + Math.max(0, Number(offset)),
      0,
    );
    expect(committedMessages).toBeGreaterThan(0);
    expect(beforeCrash).toBeLessThan(count);

    const second = startEmitterProcess({
      ...env,
      EMITTER_EVENTS_PER_SECOND: '5000',
      EMITTER_EVENTS_BURST: '500',
    });
    const titles = () => new Set(intake.snapshot().events.map(({ payload }) => String(payload.title)));
    const until = Date.now() + 60_000;
    while (titles().size < count && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    expect(titles()).toEqual(new Set(eventIds.map((id) => `ConsoleLogin ${id}`)));
    const { duplicates } = intake.snapshot();
    // Only what was accepted but not yet committed is sent twice (the one log may sit below the commit).
    expect(duplicates.events).toBeGreaterThan(0);
    expect(duplicates.events).toBeLessThanOrEqual(beforeCrash - committedMessages + 1);
    console.info(
      JSON.stringify({ deliveredBeforeCrash: beforeCrash, committedMessages, duplicates: duplicates.events }),
    );
    await second.stop('SIGTERM');
    const output = [...first.output, ...second.output].join('\n');
    expect(output).not.toContain(goodKey);
    expect(output).toContain('emitter stopped');
  });
});
