import { runStage } from '@trailstream/runtime';
import { integrityEnv, integrityOptions } from './config.js';
import { startIntegrity } from './integrity.js';

await runStage({
  stage: 'integrity',
  env: integrityEnv,
  options: integrityOptions,
  secrets: (options) => options.sourceRoles.secrets(),
  start: startIntegrity,
});
