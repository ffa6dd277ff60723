/**
 * Datadog's published intake limits. The mapper shapes outputs to fit them, the client batches within
 * them, and the recording intake in testkit rejects what breaks them, so all three agree by construction.
 */
export const eventLimits = {
  /** Events API v1 `title`; longer titles are cut by Datadog, we cut them ourselves. */
  titleChars: 100,
  textChars: 4000,
  aggregationKeyChars: 100,
  tagChars: 200,
  tagsPerEvent: 100,
  /** Events older than this are refused with 400 "Event too far in the past". */
  maxAgeSeconds: 18 * 60 * 60,
} as const;

export const logLimits = {
  entriesPerBatch: 1000,
  uncompressedBatchBytes: 5 * 1024 * 1024,
  /** A larger log is truncated by Datadog; we keep each entry under it. */
  entryBytes: 1024 * 1024,
  maxAgeSeconds: 18 * 60 * 60,
  /**
   * docs.datadoghq.com/logs/log_collection ("Custom log forwarding"): a log converted to JSON should have
   * fewer than 256 attributes, nested in fewer than 10 successive levels; beyond, Datadog may transform or
   * truncate it. Arrays of objects share their paths (`resources.ARN` is one attribute).
   */
  attributes: 255,
  depth: 9,
} as const;
