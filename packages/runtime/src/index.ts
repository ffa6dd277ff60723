export * from './audit/index.js';
export {
  type ChunkFailure,
  type ChunkFailureVerdict,
  classifyChunkFailure,
  DeadLetterAfterAbort,
  groupRejoinCause,
} from './chunk-failure.js';
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
} from './config.js';
export { exitForRestart, onConsumerGivenUp } from './consumer-crash.js';
export {
  buildDeadLetter,
  DEAD_LETTER_REASON_HEADER,
  DeadLetterPublisher,
  type DeadLetterSubject,
  deadLetterMessage,
  type FailedMessage,
  type FailureReason,
} from './dead-letter.js';
export { discoveryScopeEnv } from './discovery-scope-env.js';
export { createKafka, kafkaClientOptions } from './kafka.js';
export {
  compressionType,
  type KafkaCodec,
  type KafkaCompression,
  registerKafkaCodecs,
  zstdCodec,
} from './kafka-compression.js';
export { addLogSecret, createLogger, type Logger, type LoggerOptions, scrubSecrets } from './logger.js';
export {
  type OffsetRange,
  type PartitionEnds,
  partitionEnds,
  type ReadCommittedOptions,
  readCommittedRanges,
} from './read-committed.js';
export {
  runStage,
  type StageConfig,
  type StageContext,
  type StageDefinition,
  type StartedStage,
  stageEnv,
} from './run-stage.js';
export { type ServiceServer, type ServiceServerOptions, startServiceServer } from './server.js';
export { runService, type ServiceLifecycle, type ShutdownHook } from './service.js';
export {
  decodeStageMessage,
  type StageHandler,
  type StageMessage,
  type TransactionOutput,
} from './stage-message.js';
export { deadLetterCounter } from './stage-metrics.js';
export {
  createPlannedTopics,
  DEFAULT_MAX_MESSAGE_BYTES,
  ensureStageTopics,
  readExistingTopics,
  readMaxMessageBytes,
  readTopicSettings,
} from './topics.js';
export {
  inputTopicOf,
  type PlannedTopic,
  planTopics,
  stageTopicNames,
  type TopicDefinition,
  type TopicName,
  type TopicPlan,
  type TopicSpec,
  type TopicsConfig,
  topicFlow,
  topicSpecs,
  topicsEnv,
  topology,
} from './topology.js';
export {
  type RunningStage,
  runTransactionalStage,
  type TransactionalStageConfig,
  type TransactionalStageOptions,
  type TransactionalStageSettings,
  transactionalStageEnv,
  transactionalStageSettings,
} from './transactional-stage.js';
