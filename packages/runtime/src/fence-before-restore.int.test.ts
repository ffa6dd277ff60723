import { collectFor, collectMessages, createTestTopics, testKafka, uniqueName } from '@trailstream/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { sendOne, startStageOn } from '../test/stage-on-test-topics.js';
import type { StageHandler } from './stage-message.js';
import type { RunningStage } from './transactional-stage.js';

const kafka = testKafka();
const running: RunningStage[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((stage) => stage.stop().catch(() => undefined)));
});

function gate() {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('a new owner fences the old one before restoring state', () => {
  it('an old owner that wakes while the new owner restores cannot commit: the input is delivered once', async () => {
    const topics = await createTestTopics(kafka, { input: {}, output: {}, dlq: {} });
    const groupId = uniqueName('fence');
    await sendOne(kafka, topics.input);

    const start = (handle: StageHandler, onPartitionsAssigned: (partitions: number[]) => Promise<void>) =>
      startStageOn(kafka, topics, groupId, {
        stage: 'fetcher-parser',
        retryPolicy: { initialMs: 10, maxMs: 100, factor: 2 },
        onPartitionsAssigned,
        handle,
      }).then((stage) => {
        running.push(stage);
        return stage;
      });

    // The old owner, stalled mid-transaction (a long GC pause, a hung call) after its last heartbeat:
    // its partition producer has produced and sent offsets, and commits when it wakes.
    const zombie = kafka.producer({
      transactionalId: `${groupId}-${topics.input}-0`,
      idempotent: true,
      maxInFlightRequests: 1,
    });
    await zombie.connect();
    const transaction = await zombie.transaction();
    await transaction.send({ topic: topics.output, messages: [{ key: 'k', value: 'from-the-old-owner' }] });
    await transaction.sendOffsets({
      consumerGroupId: groupId,
      topics: [{ topic: topics.input, partitions: [{ partition: 0, offset: '1' }] }],
    });

    const restoring = gate();
    const restored = gate();
    await start(
      async (message, output) => {
        await output.send(topics.output, [{ key: message.key, value: 'from-the-new-owner' }]);
      },
      async () => {
        restoring.open();
        await restored.opened;
      },
    );
    await restoring.opened;
    // The old owner wakes while the new one is still restoring, and tries to commit.
    const zombieCommit = await transaction.commit().then(
      () => 'committed',
      (error: Error) => error.message,
    );
    await zombie.disconnect();
    restored.open();

    await collectMessages(kafka, topics.output, { until: (m) => m.length >= 1, timeoutMs: 60_000 });
    const delivered = await collectFor(kafka, topics.output, 3_000);
    expect(delivered.map((m) => m.value!.toString())).toEqual(['from-the-new-owner']);
    expect(zombieCommit).not.toBe('committed');
  }, 90_000);
});
