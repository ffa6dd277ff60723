import { createLogger, loadConfig, runService, startServiceServer } from '@trailstream/runtime';
import { discoveryEnv } from './config.js';
import { createAwsClients, startDiscovery } from './discovery-service.js';

await runService('discovery', async (lifecycle) => {
  const config = loadConfig(discoveryEnv);
  const logger = createLogger('discovery', { level: config.LOG_LEVEL });
  let isReady = () => false;
  const server = await startServiceServer({ port: config.HTTP_PORT, logger, isReady: () => isReady() });
  lifecycle.onShutdown(() => server.close());
  const aws = createAwsClients(config);
  const discovery = startDiscovery(config, logger, server.registry, aws);
  isReady = discovery.isReady;
  lifecycle.onShutdown(async () => {
    await discovery.stop();
    aws.sqs.destroy();
    aws.s3.destroy();
  });
  logger.info(
    { queues: config.SQS_QUEUE_URLS.length, pollSources: config.POLL_SOURCES.length },
    'discovery started',
  );
  return logger;
});
