import { apiKeySourceFromEnv, DatadogClient, readApiKey } from '@trailstream/datadog';
import {
  ConfigError,
  createKafka,
  createLogger,
  ensureTopics,
  loadConfig,
  pipelineTopics,
  runService,
  secretValuesIn,
  startServiceServer,
} from '@trailstream/runtime';
import { Registry } from 'prom-client';
import { emitterEnv } from './config.js';
import { startEmitter } from './emitter.js';
import { createEmitterMetrics } from './emitter-metrics.js';

await runService('emitter', async ({ onShutdown }) => {
  const config = loadConfig(emitterEnv);
  const apiKeySource = (() => {
    try {
      return apiKeySourceFromEnv(config);
    } catch (error) {
      throw new ConfigError([(error as Error).message]);
    }
  })();
  const apiKey = await readApiKey(apiKeySource);
  // A key read from a file is not in the environment: name it as a secret so no line can carry it.
  const logger = createLogger('emitter', {
    level: config.LOG_LEVEL,
    secrets: [...secretValuesIn(), apiKey.reveal()],
  });

  const registry = new Registry();
  const metrics = createEmitterMetrics(registry);
  const client = new DatadogClient({
    target: config.DD_URL ? { baseUrl: config.DD_URL } : { site: config.DD_SITE },
    apiKey,
    timeoutMs: config.DD_REQUEST_TIMEOUT_MS,
    connections: config.EMITTER_PARTITIONS_CONCURRENTLY * config.EMITTER_EVENT_REQUESTS_PER_PARTITION,
    onRequest: ({ endpoint, status, durationMs }) =>
      metrics.requestDuration.observe({ endpoint, status: String(status ?? 0) }, durationMs / 1000),
  });
  onShutdown(() => client.close());
  logger.info({ endpoints: Object.values(client.endpoints).map(String) }, 'delivering to Datadog');

  const kafka = createKafka(config, logger, `${config.KAFKA_CLIENT_ID}-emitter`);
  await ensureTopics(
    kafka,
    pipelineTopics(config).filter(
      ({ topic }) => topic === config.TOPIC_DATADOG || topic === config.TOPIC_DLQ,
    ),
  );

  const emitter = await startEmitter({
    kafka,
    logger,
    metrics,
    client,
    apiKeySource,
    inputTopic: config.TOPIC_DATADOG,
    deadLetterTopic: config.TOPIC_DLQ,
    groupId: config.KAFKA_GROUP_ID,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    partitionsConcurrently: config.EMITTER_PARTITIONS_CONCURRENTLY,
    eventRequestsPerPartition: config.EMITTER_EVENT_REQUESTS_PER_PARTITION,
    eventsPerSecond: config.EMITTER_EVENTS_PER_SECOND,
    eventsBurst: config.EMITTER_EVENTS_BURST,
    maxBackoffMs: config.EMITTER_MAX_BACKOFF_MS,
    keyRecheckMs: config.EMITTER_KEY_RECHECK_MS,
    latePolicy: config.EMITTER_LATE_ITEM_POLICY,
  });
  onShutdown(() => emitter.stop());

  const server = await startServiceServer({
    port: config.HTTP_PORT,
    logger,
    isReady: emitter.isReady,
    registry,
  });
  onShutdown(() => server.close());
  return logger;
});
