import type { Stage } from '@trailstream/schemas';
import type { Kafka } from 'kafkajs';
import { Registry } from 'prom-client';
import { type Config, type EnvShape, kafkaEnv, loadConfig, secretValuesIn, serviceEnv } from './config.js';
import { createKafka, refusedCredentials } from './kafka.js';
import { createLogger, type Logger } from './logger.js';
import { startServiceServer } from './server.js';
import { runService } from './service.js';
import { ensureStageTopics, rideOutStartingBroker } from './topics.js';
import { stageTopicNames, topicSpecs, topicsEnv } from './topology.js';

/** The settings every stage reads: logging and HTTP, Kafka, and the topology. */
export const stageEnv = { ...serviceEnv, ...kafkaEnv, ...topicsEnv };
export type StageConfig = Config<typeof stageEnv>;

/** What every stage is started with besides its own options: one Kafka client, its logger, one registry. */
export interface StageContext {
  kafka: Kafka;
  logger: Logger;
  /** The service's one metrics registry, also served on /metrics: the stage's and the runtime's metrics. */
  registry: Registry;
}

/** A started stage, as the health server and shutdown see it. */
export interface StartedStage {
  /** Able to do the work now (brokers, queues, keys reachable). */
  isReady(): boolean | Promise<boolean>;
  stop(): Promise<void>;
}

export interface StageDefinition<S extends typeof stageEnv & EnvShape, O> {
  stage: Stage;
  /** The stage's environment: `stageEnv` and its own variables. */
  env: S;
  /** The stage's options from its settings (async where something must be read first, such as a key file). */
  options(config: Config<S>): O | Promise<O>;
  /** Values in the options that no log line may show (a key read from a file), beyond the environment's secrets. */
  secrets?(options: O): string[];
  start(options: O & StageContext): Promise<StartedStage>;
}

/**
 * A stage's main, the same for all four: config → options → logger → metrics registry → Kafka →
 * its topics ensured → the stage started → health and metrics server.
 */
export function runStage<S extends typeof stageEnv & EnvShape, O>(
  definition: StageDefinition<S, O>,
): Promise<void> {
  const { stage: name } = definition;
  return runService(name, async ({ onShutdown }) => {
    const config = loadConfig(definition.env);
    const shared = config as StageConfig;
    const options = await definition.options(config);
    const logger = createLogger(name, {
      level: shared.LOG_LEVEL,
      secrets: [...secretValuesIn(), ...(definition.secrets?.(options) ?? [])],
    });
    const registry = new Registry();
    const kafka = createKafka(shared, logger, `${shared.KAFKA_CLIENT_ID}-${name}`);
    let stage: StartedStage;
    try {
      await rideOutStartingBroker(() => ensureStageTopics(kafka, name, shared), {
        onRetry: ({ error, attempt, delayMs }) =>
          logger.warn(
            { err: error, attempt, delayMs },
            'Kafka is not ready to describe the topics yet; retrying',
          ),
      });
      stage = await definition.start({ ...options, kafka, logger, registry });
    } catch (error) {
      throw refusedCredentials(error, shared) ?? error;
    }
    const server = await startServiceServer({
      port: shared.HTTP_PORT,
      logger,
      registry,
      isReady: stage.isReady,
    });
    // Hooks run in reverse: the stage stops (and drains) before the server goes.
    onShutdown(() => server.close());
    onShutdown(() => stage.stop());
    const topics = topicSpecs(shared, stageTopicNames(name)).map(({ topic }) => topic);
    logger.info({ topics }, `${name} started`);
    return logger;
  });
}
