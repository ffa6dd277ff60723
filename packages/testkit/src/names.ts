import { randomBytes } from 'node:crypto';

/** A name no other test (or earlier run) uses, valid for topics, groups, buckets and queues. */
export function uniqueName(prefix: string): string {
  const safe = prefix.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  return `${safe}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}
