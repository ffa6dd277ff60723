import { runStage } from '@trailstream/runtime';
import { filterMapperEnv, filterMapperOptions } from './config.js';
import { startFilterMapper } from './filter-mapper.js';

await runStage({
  stage: 'filter-mapper',
  env: filterMapperEnv,
  options: filterMapperOptions,
  start: startFilterMapper,
});
