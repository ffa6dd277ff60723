export {
  type EmitterConfig,
  type EmitterSettings,
  emitterEnv,
  emitterOptions,
  readEmitterOptions,
} from './config.js';
export { type ConsumedMessage, type PlannedItem, planDelivery } from './delivery-plan.js';
export { type EmitterOptions, type RunningEmitter, startEmitter } from './emitter.js';
export { createEmitterMetrics, type EmitterMetrics } from './metrics.js';
