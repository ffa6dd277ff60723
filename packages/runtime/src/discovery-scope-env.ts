import { env } from './config.js';

/**
 * Where discovery looks for log files and which keys it keeps. Discovery reads these, and
 * `trailstream doctor` checks the same settings against the trails, so they are defined once, here.
 */
export const discoveryScopeEnv = {
  SQS_QUEUE_URLS: env.list(),
  /** `bucket` or `bucket/prefix/AWSLogs/` or `bucket/AWSLogs/<o-id>/`, comma-separated. */
  POLL_SOURCES: env.list(),
  ACCOUNTS_ALLOW: env.list(),
  ACCOUNTS_DENY: env.list(),
  REGIONS_ALLOW: env.list(),
  REGIONS_DENY: env.list(),
};
