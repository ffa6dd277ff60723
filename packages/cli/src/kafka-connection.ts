import {
  ConfigError,
  createKafka,
  createLogger,
  type KafkaConfig,
  kafkaEnv,
  type Logger,
  loadConfig,
  type TopicsConfig,
  topicsEnv,
} from '@trailstream/runtime';
import type { Kafka } from 'kafkajs';
import { CliError } from './cli-error.js';

export interface KafkaConnection {
  kafka: Kafka;
  topics: TopicsConfig;
  config: KafkaConfig;
  logger: Logger;
}

/** The same KAFKA_* and TOPIC_* variables the services read, with `--brokers` taking precedence. */
export function connectKafka(
  brokersFlag: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): KafkaConnection {
  try {
    const config = loadConfig(
      { ...kafkaEnv, ...topicsEnv },
      { ...env, KAFKA_BROKERS: brokersFlag ?? env.KAFKA_BROKERS },
    );
    // kafkajs retries noisily; a command reports failures itself, so its client logs only with LOG_LEVEL set.
    const level =
      env.LOG_LEVEL === 'debug' || env.LOG_LEVEL === 'info' || env.LOG_LEVEL === 'warn'
        ? env.LOG_LEVEL
        : 'fatal';
    const logger = createLogger('trailstream', { level, destination: process.stderr });
    return { kafka: createKafka(config, logger, 'trailstream-cli'), topics: config, config, logger };
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CliError(`${error.message}\n(pass --brokers host:port or set KAFKA_BROKERS)`);
    }
    throw error;
  }
}

/** Fails with a hint when a topic the command reads is missing, instead of kafkajs' retry storm. */
export async function requireTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (!(await admin.listTopics()).includes(topic)) {
      throw new CliError(`topic ${topic} does not exist (create the topics with 'trailstream topics')`);
    }
  } finally {
    await admin.disconnect();
  }
}
