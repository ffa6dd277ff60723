import { deadLetterContract } from '@trailstream/schemas';
import {
  collectFor,
  collectMessages,
  createTestTopics,
  eventually,
  testKafka,
  uniqueName,
} from '@trailstream/testkit';
import kafkajs from 'kafkajs';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startStageOn, type TestTopics } from '../test/stage-on-test-topics.js';
import type { StageHandler } from './stage-message.js';
import type { RunningStage } from './transactional-stage.js';

const kafka = testKafka();
const running: RunningStage[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stage) => stage.stop()));
});

async function seed(topic: string, values: string[]) {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value, i) => ({ key: String(i), value })) });
  await producer.disconnect();
}

async function setMaxMessageBytes(topic: string, bytes: number) {
  const admin = kafka.admin();
  await admin.connect();
  await admin.alterConfigs({
    validateOnly: false,
    resources: [
      {
        type: kafkajs.ConfigResourceTypes.TOPIC,
        name: topic,
        configEntries: [{ name: 'max.message.bytes', value: String(bytes) }],
      },
    ],
  });
  await admin.disconnect();
}

async function committedOffset(groupId: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  await admin.disconnect();
  return Number(offsets?.partitions[0]?.offset ?? -1);
}

function start(topics: TestTopics, groupId: string, handle: StageHandler, registry = new Registry()) {
  return startStageOn(kafka, topics, groupId, {
    registry,
    maxMessagesPerTransaction: 10,
    retryPolicy: { initialMs: 10, maxMs: 200, factor: 2 },
    handle,
  }).then((stage) => {
    running.push(stage);
    return stage;
  });
}

/** Sends each input's value, repeated to the length it names: `big:5000` is 5000 bytes. */
const echo =
  (outputTopic: string): StageHandler =>
  async (message, output) => {
    const text = message.value!.toString();
    const [name, size] = text.split(':');
    await output.send(outputTopic, [
      { key: message.key, value: size ? name!.padEnd(Number(size), '.') : text },
    ]);
  };

const letters = async (topic: string, count: number) =>
  (await collectMessages(kafka, topic, { until: (m) => m.length >= count })).map((m) =>
    deadLetterContract.decode(m.value!, m.headers),
  );

describe('Kafka refusals at the stage boundary', () => {
  it('dead-letters the input whose output is over the topic max.message.bytes, and the partition moves on', async () => {
    const topics = await createTestTopics(kafka, { input: {}, output: { maxMessageBytes: 4_096 }, dlq: {} });
    const groupId = uniqueName('refused');
    await seed(topics.input, ['a', 'b', 'big:10000', 'c', 'd']);
    await start(topics, groupId, echo(topics.output));

    const out = await collectMessages(kafka, topics.output, { until: (m) => m.length >= 4 });
    expect(out.map((m) => m.value!.toString())).toEqual(['a', 'b', 'c', 'd']);
    const [letter] = await letters(topics.dlq, 1);
    expect(letter).toMatchObject({
      reasonClass: 'kafka-refused',
      originalOffset: '2',
      originalValue: Buffer.from('big:10000'),
    });
    expect(letter!.reasonMessage).toContain('MESSAGE_TOO_LARGE');
    await eventually(async () => (await committedOffset(groupId, topics.input)) === 5, {
      what: 'the offset committed past it',
    });
  });

  it('finds the refused input when the broker refuses a batch its limit, lowered after start, no longer fits', async () => {
    const topics = await createTestTopics(kafka, { input: {}, output: {}, dlq: {} });
    const groupId = uniqueName('refused-late');
    await start(topics, groupId, echo(topics.output));
    await setMaxMessageBytes(topics.output, 4_096);
    await seed(topics.input, ['a', 'big:10000', 'b']);

    const out = await collectMessages(kafka, topics.output, { until: (m) => m.length >= 2 });
    expect(out.map((m) => m.value!.toString())).toEqual(['a', 'b']);
    const [letter] = await letters(topics.dlq, 1);
    expect(letter).toMatchObject({ reasonClass: 'kafka-refused', originalOffset: '1' });
    expect(letter!.reasonMessage).toContain('MESSAGE_TOO_LARGE');
    await eventually(async () => (await committedOffset(groupId, topics.input)) === 3, {
      what: 'the offset committed past it',
    });
  });

  it('holds the partition while the dead-letter topic refuses, not ready, then delivers everything exactly once', async () => {
    const topics = await createTestTopics(kafka, { input: {}, output: {}, dlq: {} });
    const groupId = uniqueName('dlq-refuses');
    const registry = new Registry();
    const stage = await start(
      topics,
      groupId,
      async (message, output) => {
        const text = message.value!.toString();
        if (text.startsWith('bad')) {
          await output.deadLetter({
            reasonClass: 'invalid-record',
            reasonMessage: 'bad on purpose',
            attempts: 1,
          });
          return;
        }
        await output.send(topics.output, [{ key: message.key, value: text }]);
      },
      registry,
    );
    await eventually(() => stage.isReady(), { what: 'the stage ready' });
    // Smaller than any dead letter, even cut: Kafka refuses every letter.
    await setMaxMessageBytes(topics.dlq, 200);
    await seed(topics.input, ['a', `bad-${'x'.repeat(400)}`, 'b', 'c']);

    await eventually(() => !stage.isReady(), { what: '/readyz false while the topic refuses' });
    const gauge = await registry.getSingleMetric('trailstream_partitions_blocked')!.get();
    expect(gauge.values[0]?.value).toBe(1);
    expect(await committedOffset(groupId, topics.input)).toBeLessThan(1);
    expect((await collectFor(kafka, topics.output, 1_000)).map((m) => m.value!.toString())).not.toContain(
      'b',
    );

    await setMaxMessageBytes(topics.dlq, 1_048_588);
    await eventually(() => stage.isReady(), { what: 'ready again once Kafka accepts', timeoutMs: 60_000 });
    await eventually(async () => (await committedOffset(groupId, topics.input)) === 4, {
      what: 'every input committed',
      timeoutMs: 60_000,
    });
    expect((await collectFor(kafka, topics.output, 1_500)).map((m) => m.value!.toString())).toEqual([
      'a',
      'b',
      'c',
    ]);
    const dlq = await collectFor(kafka, topics.dlq, 1_000);
    expect(dlq).toHaveLength(1);
    expect(deadLetterContract.decode(dlq[0]!.value!, dlq[0]!.headers)).toMatchObject({
      reasonClass: 'invalid-record',
      originalOffset: '1',
    });
  });

  it('cuts a dead letter that would not fit its topic, keeping the length, SHA-256 and origin', async () => {
    const topics = await createTestTopics(kafka, { input: {}, output: {}, dlq: { maxMessageBytes: 8_192 } });
    const value = 'v'.repeat(50_000);
    await seed(topics.input, [value]);
    await start(topics, uniqueName('cut'), async (_message, output) => {
      await output.deadLetter({ reasonClass: 'invalid-record', reasonMessage: 'too odd', attempts: 1 });
    });
    const [letter] = await letters(topics.dlq, 1);
    const { createHash } = await import('node:crypto');
    expect(letter!.originalValue!.length).toBeLessThan(8_192);
    expect(value.startsWith(letter!.originalValue!.toString())).toBe(true);
    expect(letter).toMatchObject({
      originalValueBytes: 50_000,
      originalValueSha256: createHash('sha256').update(value).digest('hex'),
      originalTopic: topics.input,
      originalPartition: 0,
      originalOffset: '0',
    });
  });
});
