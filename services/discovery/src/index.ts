export { type AwsClients, createAwsClients } from './aws-clients.js';
export {
  type DiscoveryConfig,
  type DiscoveryScope,
  type DiscoverySettings,
  discoveryEnv,
  discoveryOptions,
  parseUtcDay,
  resolveDiscoverySettings,
} from './config.js';
export { type DiscoveryOptions, type RunningDiscovery, startDiscovery } from './discovery.js';
export { decideKey, type KeyDecision, type KeyFilterRules, type SkipReason } from './key-filter.js';
export { type PollSource, parsePollSource } from './poll-sources.js';
export { foldListing, planListing, type StreamCheckpoint, type WindowSettings } from './poll-window.js';
export { type ReplayRequest, type ReplaySummary, replayRange, type SendReferences } from './replay.js';
export { planSqsMessage, type SqsMessagePlan } from './sqs-message-plan.js';
