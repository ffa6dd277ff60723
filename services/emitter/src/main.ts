import { runStage } from '@trailstream/runtime';
import { emitterEnv, readEmitterOptions } from './config.js';
import { startEmitter } from './emitter.js';

await runStage({
  stage: 'emitter',
  env: emitterEnv,
  options: readEmitterOptions,
  // A key read from a file is not in the environment: name it as a secret so no line can carry it.
  secrets: (options) => [options.apiKey.reveal()],
  start: startEmitter,
});
