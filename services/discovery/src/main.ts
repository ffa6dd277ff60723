import { runStage } from '@trailstream/runtime';
import { discoveryEnv, discoveryOptions } from './config.js';
import { startDiscovery } from './discovery.js';

await runStage({
  stage: 'discovery',
  env: discoveryEnv,
  options: discoveryOptions,
  secrets: (options) => options.sourceRoles.secrets(),
  start: startDiscovery,
});
