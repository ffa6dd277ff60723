export { ApiKey, type ApiKeySource, apiKeySourceFromEnv, readApiKey } from './api-key.js';
export { datadogBackoff, retryDelayMs } from './backoff.js';
export {
  DatadogClient,
  type DatadogClientOptions,
  type DatadogEndpointName,
  DEFAULT_LOGS_GZIP_LEVEL,
  type KeyCheck,
  type RequestObservation,
} from './datadog-client.js';
export {
  ApiKeyRejectedError,
  DatadogMisconfiguredError,
  type DeadLetterReason,
  type DeliveryOptions,
  deliverEvent,
  deliverLogs,
  type ItemResult,
  type RetryNotice,
} from './delivery.js';
export {
  applyLatePolicy,
  LATE_TAG,
  type LateItemPolicy,
  lateItemPolicies,
  lateMarginSeconds,
  type OutputDecision,
  type TooOld,
} from './late-item-policy.js';
export { eventLimits, logLimits } from './limits.js';
export { type BatchLimits, logBatchLimits, planLogBatches } from './log-batches.js';
export {
  type EventPayload,
  type LogEntry,
  logBatchBody,
  logEntryBytes,
  toEventPayload,
  toLogEntry,
} from './payloads.js';
export { RateBudget, type RateBudgetOptions } from './rate-budget.js';
export {
  type AttemptOutcome,
  classifyResponse,
  classifyTransportError,
  describeResponse,
  misconfigurationFix,
  type ResponseHeaders,
  requestedRetryDelayMs,
} from './response-classification.js';
export {
  type DatadogEndpoints,
  type DatadogSite,
  type DatadogTarget,
  datadogSites,
  plainHttpProblem,
  resolveDatadogEndpoints,
} from './sites.js';
export { keyValueTag, normalizeTag, normalizeTags } from './tags.js';
