import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { createLogger } from '../src/logger.js';
import {
  type RunningStage,
  runTransactionalStage,
  type TransactionalStageOptions,
} from '../src/transactional-stage.js';

export interface TestTopics {
  input: string;
  output: string;
  dlq: string;
}

type StageOverrides = Partial<TransactionalStageOptions> & Pick<TransactionalStageOptions, 'handle'>;

/**
 * A transactional stage from `topics.input` to `topics.output` (dead letters to `topics.dlq`), its group
 * and transactional ids named after `groupId`, logging nothing; `options` add to or override the rest.
 */
export function startStageOn(
  kafka: Kafka,
  topics: TestTopics,
  groupId: string,
  options: StageOverrides,
): Promise<RunningStage> {
  return runTransactionalStage({
    kafka,
    logger: createLogger('test', { level: 'silent' }),
    registry: new Registry(),
    stage: 'filter-mapper',
    groupId,
    inputTopic: topics.input,
    deadLetterTopic: topics.dlq,
    outputTopics: [topics.output],
    transactionalIdPrefix: groupId,
    ...options,
  });
}

/** Writes one message to `topic`, outside any transaction. */
export async function sendOne(kafka: Kafka, topic: string, value = 'only'): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic, messages: [{ key: 'k', value }] });
  await producer.disconnect();
}
