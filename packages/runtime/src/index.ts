export {
  type Config,
  ConfigError,
  type EnvShape,
  env,
  type KafkaConfig,
  kafkaEnv,
  loadConfig,
  type ServiceConfig,
  secretValuesIn,
  serviceEnv,
  type TopicsConfig,
  topicsEnv,
} from './config.js';
export {
  buildDeadLetter,
  DEAD_LETTER_REASON_HEADER,
  DeadLetterPublisher,
  deadLetterMessage,
  type FailedMessage,
  type FailureReason,
} from './dead-letter.js';
export { createKafka, kafkaClientOptions } from './kafka.js';
export { createLogger, type Logger, type LoggerOptions, scrubSecrets } from './logger.js';
export { type ServiceServer, type ServiceServerOptions, startServiceServer } from './server.js';
export { runService, type ServiceLifecycle, type ShutdownHook } from './service.js';
export { compactedTopic, ensureTopics, pipelineTopics, type TopicSpec } from './topics.js';
export {
  type RunningStage,
  runTransactionalStage,
  type StageMessage,
  type TransactionalStageOptions,
  type TransactionOutput,
} from './transactional-stage.js';
