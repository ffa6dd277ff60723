import { collectFor, createTestTopics, eventually, testKafka, uniqueName } from '@trailstream/testkit';
import { KafkaJSNonRetriableError, type Producer } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { sendOne, startStageOn } from '../test/stage-on-test-topics.js';
import { StageFailed } from './partition-loop.js';
import type { RunningStage } from './transactional-stage.js';

const kafka = testKafka();
const running: RunningStage[] = [];
const others: Producer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stage) => stage.stop().catch(() => undefined)));
  await Promise.all(others.splice(0).map((producer) => producer.disconnect().catch(() => undefined)));
});

const endedOn = (fatal: () => Error | undefined) =>
  eventually(() => fatal() !== undefined, { timeoutMs: 60_000, what: 'the stage calling onFatal' }).then(
    fatal,
  );

describe('a stage that cannot go on ends, rather than sit stuck', () => {
  it('when another process keeps taking its transactional ids: after maxTransactionAttempts fenced transactions in a row, having committed nothing', async () => {
    const topics = await createTestTopics(kafka, { input: {}, output: {}, dlq: {} });
    const groupId = uniqueName('fenced');
    await sendOne(kafka, topics.input);

    let fatal: Error | undefined;
    let handled = 0;
    const stage = await startStageOn(kafka, topics, groupId, {
      stage: 'fetcher-parser',
      retryPolicy: { initialMs: 10, maxMs: 100, factor: 2 },
      maxTransactionAttempts: 3,
      onFatal: (error) => {
        fatal = error;
      },
      // A second deployment with the same transactional ids (a copied release, a wrong prefix) starts a
      // producer with the partition's id while each transaction is open, which fences this one.
      handle: async (message, output) => {
        handled += 1;
        const other = kafka.producer({
          transactionalId: `${groupId}-${topics.input}-0`,
          idempotent: true,
          maxInFlightRequests: 1,
        });
        others.push(other);
        await other.connect();
        await (await other.transaction()).abort();
        await output.send(topics.output, [{ key: message.key, value: 'never committed' }]);
      },
    });
    running.push(stage);

    const error = await endedOn(() => fatal);
    expect(error).toBeInstanceOf(StageFailed);
    expect(error!.message).toMatch(/3 transactions in a row were fenced/);
    expect(error!.message).toMatch(/another process may share this stage's transactional ids/);
    expect(handled).toBeGreaterThanOrEqual(3);
    expect(await collectFor(kafka, topics.output, 2_000)).toEqual([]);
    const admin = kafka.admin();
    await admin.connect();
    const [offsets] = await admin
      .fetchOffsets({ groupId, topics: [topics.input] })
      .finally(() => admin.disconnect());
    expect(offsets!.partitions[0]!.offset).toBe('-1');
  }, 90_000);

  it('when kafkajs gives up on its consumer (a crash it does not restart), instead of holding its partitions reading nothing', async () => {
    const topics = await createTestTopics(kafka, { input: {}, output: {}, dlq: {} });
    await sendOne(kafka, topics.input);

    let fatal: Error | undefined;
    const stage = await startStageOn(kafka, topics, uniqueName('given-up'), {
      onFatal: (error) => {
        fatal = error;
      },
      // What the stage gives back to kafkajs to recover from, and kafkajs calls final.
      handle: async () => {
        throw new KafkaJSNonRetriableError('the group coordinator is not there and retries are spent');
      },
    });
    running.push(stage);

    expect((await endedOn(() => fatal))?.message).toMatch(/retries are spent/);
    expect(stage.isReady()).toBe(false);
  }, 90_000);
});
