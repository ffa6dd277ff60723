export { type BackoffPolicy, backoffDelay, backoffPolicies } from './backoff.js';
export {
  isRetriable,
  type MaybeRetriable,
  RetriableError,
  type RetryNotice,
  type RetryOptions,
  retry,
} from './retry.js';
export { sleep } from './sleep.js';
