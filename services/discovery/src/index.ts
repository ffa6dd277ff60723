export { type AwsClients, createAwsClients } from './aws-clients.js';
export {
  type DiscoveryConfig,
  type DiscoveryScope,
  type DiscoverySettings,
  discoveryEnv,
  discoveryOptions,
  resolveDiscoverySettings,
} from './config.js';
export { type DiscoveryOptions, type RunningDiscovery, startDiscovery } from './discovery.js';
export { foldListing, planListing, type StreamCheckpoint, type WindowSettings } from './poll-window.js';
export { planSqsMessage, type SqsMessagePlan } from './sqs-message-plan.js';
