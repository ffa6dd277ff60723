import {
  createKafka,
  createLogger,
  ensureTopics,
  loadConfig,
  pipelineTopics,
  runService,
  runTransactionalStage,
  startServiceServer,
} from '@trailstream/runtime';
import { Registry } from 'prom-client';
import { filterMapperEnv } from './service/config.js';
import { createRecordHandler } from './service/handle-record.js';
import { createMetrics } from './service/metrics.js';
import { watchRulesFile } from './service/rules-watcher.js';

await runService('filter-mapper', async ({ onShutdown }) => {
  const config = loadConfig(filterMapperEnv);
  const logger = createLogger('filter-mapper', { level: config.LOG_LEVEL });
  const registry = new Registry();
  const metrics = createMetrics(registry);

  // An invalid rules file stops the service here, its error naming each line.
  const rules = await watchRulesFile({
    path: config.RULES_FILE,
    intervalMs: config.RULES_RELOAD_INTERVAL_MS,
    logger,
    onApplied: () => {
      metrics.rulesReloads.inc({ result: 'applied' });
      metrics.rulesValid.set(1);
    },
    onInvalid: () => {
      metrics.rulesReloads.inc({ result: 'invalid' });
      metrics.rulesValid.set(0);
    },
  });
  metrics.rulesValid.set(1);
  onShutdown(() => rules.stop());

  const kafka = createKafka(config, logger);
  if (config.CREATE_TOPICS) {
    const used = new Set([config.TOPIC_RECORDS, config.TOPIC_DATADOG, config.TOPIC_DLQ]);
    await ensureTopics(
      kafka,
      pipelineTopics(config).filter((spec) => used.has(spec.topic)),
    );
  }

  let isReady = () => false;
  const server = await startServiceServer({
    port: config.HTTP_PORT,
    logger,
    isReady: () => isReady(),
    registry,
  });
  onShutdown(() => server.close());

  const stage = await runTransactionalStage({
    kafka,
    logger,
    stage: 'filter-mapper',
    groupId: config.KAFKA_GROUP_ID,
    inputTopic: config.TOPIC_RECORDS,
    deadLetterTopic: config.TOPIC_DLQ,
    transactionalIdPrefix: config.TRANSACTIONAL_ID_PREFIX,
    partitionsConsumedConcurrently: config.PARTITIONS_CONSUMED_CONCURRENTLY,
    sessionTimeoutMs: config.KAFKA_SESSION_TIMEOUT_MS,
    handle: createRecordHandler({
      rules: rules.current,
      mapping: { mode: config.OUTPUT_MODE, logService: config.LOG_SERVICE },
      outputTopic: config.TOPIC_DATADOG,
      metrics,
    }),
  });
  isReady = stage.isReady;
  onShutdown(() => stage.stop());
  logger.info({ mode: config.OUTPUT_MODE, rules: config.RULES_FILE }, 'filter-mapper started');
  return logger;
});
