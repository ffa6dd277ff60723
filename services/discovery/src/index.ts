export {
  type DiscoveryEnv,
  type DiscoverySettings,
  discoveryEnv,
  resolveDiscoverySettings,
} from './config.js';
export {
  type AwsClients,
  createAwsClients,
  type DiscoveryHooks,
  type RunningDiscovery,
  startDiscovery,
} from './discovery-service.js';
export { foldListing, planListing, type StreamCheckpoint, type WindowSettings } from './poll-window.js';
export { planSqsMessage, type SqsMessagePlan } from './sqs-message-plan.js';
