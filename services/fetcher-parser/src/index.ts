export {
  type FetcherParserConfig,
  type FetcherParserSettings,
  fetcherParserEnv,
  fetcherParserOptions,
} from './config.js';
export { type FetcherParserOptions, startFetcherParser } from './fetcher-parser.js';
export { createFetcherMetrics, type FetcherMetrics, type ObjectOutcome } from './metrics.js';
export { createObjectHandler, type ObjectHandlerOptions } from './object-handler.js';
export { readSeenObjects } from './read-seen-objects.js';
export { type S3Settings, s3ClientsByRegion } from './s3-clients.js';
export { type SeenObject, SeenObjects } from './seen-objects.js';
export { parseSeenObject, seenObjectMessage } from './seen-objects-changelog.js';
export { ThroughputWindow } from './throughput-window.js';
