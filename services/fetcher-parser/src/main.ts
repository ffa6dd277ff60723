import { createKafka, createLogger, loadConfig, runService, startServiceServer } from '@trailstream/runtime';
import { Registry } from 'prom-client';
import { fetcherEnv } from './config.js';
import { startFetcherStage } from './fetcher-stage.js';
import { ensureFetcherTopics } from './fetcher-topics.js';

await runService('fetcher-parser', async ({ onShutdown }) => {
  const config = loadConfig(fetcherEnv);
  const logger = createLogger('fetcher-parser', { level: config.LOG_LEVEL });
  const kafka = createKafka(config, logger);
  await ensureFetcherTopics(kafka, config);
  const registry = new Registry();
  const stage = await startFetcherStage(config, kafka, logger, registry);
  const server = await startServiceServer({
    port: config.HTTP_PORT,
    logger,
    isReady: stage.isReady,
    registry,
  });
  onShutdown(() => server.close());
  onShutdown(() => stage.stop());
  logger.info({ input: config.TOPIC_OBJECTS, output: config.TOPIC_RECORDS }, 'fetcher-parser started');
  return logger;
});
