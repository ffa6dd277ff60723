import { type CloudTrailRecord, cloudTrailRecordContract } from '@trailstream/schemas';
import {
  collectFor,
  collectMessages,
  createTestTopics,
  eventually,
  metricValue,
  testKafka,
  uniqueName,
} from '@trailstream/testkit';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { startStageOn, type TestTopics } from '../test/stage-on-test-topics.js';
import { DeadLetterAfterAbort } from './chunk-failure.js';
import type { StageHandler } from './stage-message.js';
import type { RunningStage } from './transactional-stage.js';

const kafka = testKafka();
const running: RunningStage[] = [];
const registry = new Registry();
afterEach(async () => {
  await Promise.all(running.splice(0).map((stage) => stage.stop()));
});

const record = (i: number): CloudTrailRecord => ({
  eventID: `event-${i}`,
  eventTime: '2024-05-01T10:00:00Z',
  eventSource: 'ec2.amazonaws.com',
  eventName: 'RunInstances',
  awsRegion: 'eu-west-1',
  recipientAccountId: '123456789012',
  readOnly: false,
  errorCode: null,
  identityType: 'IAMUser',
  principal: 'alice',
  sourceIPAddress: '192.0.2.1',
  json: JSON.stringify({ eventID: `event-${i}`, unicode: 'ü 漢字' }),
  origin: { bucket: 'b', key: 'k', etag: null, index: i },
});

describe('Avro through Kafka', () => {
  it('a transactional producer is read back by a read-committed consumer; an aborted one is not', async () => {
    const topics = await createTestTopics(kafka, { records: { partitions: 2 } });
    const producer = kafka.producer({
      transactionalId: uniqueName('tx'),
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await producer.connect();
    const send = async (ids: number[], commit: boolean) => {
      const tx = await producer.transaction();
      await tx.send({
        topic: topics.records,
        messages: ids.map((i) => {
          const encoded = cloudTrailRecordContract.encode(record(i));
          return { key: `event-${i}`, ...encoded };
        }),
      });
      await (commit ? tx.commit() : tx.abort());
    };
    await send([1, 2, 3], true);
    await send([4, 5], false);
    await send([6], true);
    await producer.disconnect();

    const read = await collectMessages(kafka, topics.records, { until: (m) => m.length >= 4 });
    const decoded = read.map((m) => cloudTrailRecordContract.decode(m.value!, m.headers));
    expect(decoded.map((r) => r.eventID).sort()).toEqual(['event-1', 'event-2', 'event-3', 'event-6']);
    expect(decoded.find((r) => r.eventID === 'event-1')).toEqual(record(1));
  });
});

describe('runTransactionalStage', () => {
  async function seed(topic: string, count: number) {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: Array.from({ length: count }, (_, i) => ({ key: String(i), value: String(i) })),
    });
    await producer.disconnect();
  }

  function start(topics: TestTopics, groupId: string, handle: StageHandler, maxBufferedMessages?: number) {
    return startStageOn(kafka, topics, groupId, {
      registry,
      maxMessagesPerTransaction: 7,
      maxHandlerAttempts: 3,
      retryPolicy: { initialMs: 10, maxMs: 50, factor: 2 },
      maxBufferedMessages,
      handle,
    }).then((stage) => {
      running.push(stage);
      return stage;
    });
  }

  it('produces each input once, dead-letters what fails, and a restart resumes after the committed offset', async () => {
    const topics = await createTestTopics(kafka, { input: {}, output: {}, dlq: {} });
    const groupId = uniqueName('stage');
    await seed(topics.input, 20);
    let transientFailures = 2;
    const stage = await start(topics, groupId, async (message, output) => {
      const n = Number(message.value!.toString());
      if (n === 5 && transientFailures-- > 0) throw new Error('S3 is throttling');
      if (n === 13) throw new Error('always fails');
      if (n === 8) {
        await output.deadLetter({ reasonClass: 'not-json', reasonMessage: 'bad bytes', attempts: 1 });
        return;
      }
      await output.send(topics.output, [{ key: message.key, value: `out-${n}` }]);
    });
    const out = await collectMessages(kafka, topics.output, { until: (m) => m.length >= 18 });
    expect(out.map((m) => m.value!.toString()).sort()).toEqual(
      Array.from({ length: 20 }, (_, i) => i)
        .filter((i) => i !== 8 && i !== 13)
        .map((i) => `out-${i}`)
        .sort(),
    );
    const dlq = await collectMessages(kafka, topics.dlq, { until: (m) => m.length >= 2 });
    expect(dlq.map((m) => m.headers!['trailstream-reason']!.toString()).sort()).toEqual([
      'handler-failed',
      'not-json',
    ]);
    const counted = (reasonClass: string) =>
      metricValue(registry, 'trailstream_dead_letters_total', {
        stage: 'filter-mapper',
        reason_class: reasonClass,
      });
    await eventually(async () => (await counted('handler-failed')) === 1, {
      what: 'the dead letters counted',
    });
    expect(await counted('not-json')).toBe(1);

    await stage.stop();
    running.splice(0);
    await seed(topics.input, 3);
    await start(topics, groupId, async (message, output) => {
      await output.send(topics.output, [{ key: message.key, value: `again-${message.value!.toString()}` }]);
    });
    const after = await collectMessages(kafka, topics.output, { until: (m) => m.length >= 21 });
    expect(
      after
        .filter((m) => m.value!.toString().startsWith('again-'))
        .map((m) => m.value!.toString())
        .sort(),
    ).toEqual(['again-0', 'again-1', 'again-2']);
    expect(after).toHaveLength(21);
  });

  it('dead-letters a message whose handler asked for the abort first, without calling it again', async () => {
    const topics = await createTestTopics(kafka, { input: {}, output: {}, dlq: {} });
    await seed(topics.input, 3);
    const calls = new Map<string, number>();
    await start(topics, uniqueName('stage'), async (message, output) => {
      const n = message.value!.toString();
      calls.set(n, (calls.get(n) ?? 0) + 1);
      await output.send(topics.output, [{ value: `first-half-${n}` }]);
      if (n === '1') {
        throw new DeadLetterAfterAbort({
          reasonClass: 'corrupt-late',
          reasonMessage: 'found late',
          attempts: 1,
        });
      }
    });
    const out = await collectMessages(kafka, topics.output, { until: (m) => m.length >= 2 });
    expect(out.map((m) => m.value!.toString()).sort()).toEqual(['first-half-0', 'first-half-2']);
    const [letter] = await collectMessages(kafka, topics.dlq, { until: (m) => m.length >= 1 });
    expect(letter!.headers!['trailstream-reason']!.toString()).toBe('corrupt-late');
    expect(calls.get('1')).toBe(1);
    expect((await collectFor(kafka, topics.output, 1_000)).map((m) => m.value!.toString())).not.toContain(
      'first-half-1',
    );
  });

  it('leaves nothing visible to read-committed consumers when a transaction is aborted midway', async () => {
    const topics = await createTestTopics(kafka, { input: {}, output: {}, dlq: {} });
    await seed(topics.input, 1);
    let attempts = 0;
    await start(
      topics,
      uniqueName('stage'),
      async (_message, output) => {
        attempts++;
        await output.send(topics.output, [{ value: `partial-${attempts}` }]);
        if (attempts === 1) throw new Error('crash after a partial produce');
        await output.send(topics.output, [{ value: `rest-${attempts}` }]);
      },
      1,
    );
    const committed = await collectMessages(kafka, topics.output, { until: (m) => m.length >= 2 });
    expect(committed.map((m) => m.value!.toString())).toEqual(['partial-2', 'rest-2']);
    const everything = await collectFor(kafka, topics.output, 2_000, true);
    expect(everything.map((m) => m.value!.toString())).toContain('partial-1');
  });
});
