import { runStage } from '@trailstream/runtime';
import { fetcherParserEnv, fetcherParserOptions } from './config.js';
import { startFetcherParser } from './fetcher-parser.js';

await runStage({
  stage: 'fetcher-parser',
  env: fetcherParserEnv,
  options: fetcherParserOptions,
  secrets: (options) => options.sourceRoles.secrets(),
  start: startFetcherParser,
});
