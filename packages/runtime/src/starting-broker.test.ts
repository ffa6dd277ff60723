import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { rideOutStartingBroker } from './topics.js';

// kafkajs is CommonJS: Node's ESM loader does not see these exports by name.
const { KafkaJSNonRetriableError, KafkaJSProtocolError } = kafkajs;

/** What a broker that has just come up answers for a topic a peer created a moment ago. */
const unknownTopic = () =>
  new KafkaJSProtocolError(
    Object.assign(new Error('This server does not host this topic-partition'), {
      type: 'UNKNOWN_TOPIC_OR_PARTITION',
      code: 3,
      retriable: true,
    }),
  );

describe('rideOutStartingBroker', () => {
  it('retries what a starting broker answers until the topics are there, saying so each time', async () => {
    const warnings: number[] = [];
    let calls = 0;
    await rideOutStartingBroker(
      async () => {
        calls++;
        if (calls < 3) throw unknownTopic();
      },
      { onRetry: ({ attempt }) => warnings.push(attempt), policy: { initialMs: 1, maxMs: 2, factor: 2 } },
    );
    expect(calls).toBe(3);
    expect(warnings).toEqual([1, 2]);
  });

  it('gives up after its attempts with the broker’s last answer', async () => {
    let calls = 0;
    const failing = rideOutStartingBroker(
      async () => {
        calls++;
        throw unknownTopic();
      },
      { attempts: 4, policy: { initialMs: 1, maxMs: 2, factor: 2 } },
    );
    await expect(failing).rejects.toThrow('This server does not host this topic-partition');
    expect(calls).toBe(4);
  });

  it('does not retry what another attempt cannot fix', async () => {
    let calls = 0;
    const refused = rideOutStartingBroker(async () => {
      calls++;
      throw new KafkaJSNonRetriableError('topic has 3 partitions, its partner 6');
    });
    await expect(refused).rejects.toThrow('its partner 6');
    expect(calls).toBe(1);
  });
});
