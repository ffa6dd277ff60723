import type { StreamCheckpoint } from './poll-window.js';

/** Checkpoint messages are discovery's own state, private to it: versioned JSON, checked when read back. */
const VERSION = 1;

export function encodeCheckpoint(checkpoint: StreamCheckpoint): Buffer {
  return Buffer.from(JSON.stringify({ version: VERSION, ...checkpoint }));
}

/** The checkpoint in a message, or null when the value is not one this build can trust. */
export function decodeCheckpoint(value: Buffer): StreamCheckpoint | null {
  let json: unknown;
  try {
    json = JSON.parse(value.toString('utf8'));
  } catch {
    return null;
  }
  if (typeof json !== 'object' || json === null) return null;
  const { version, listedUntil, newestDelivery, recent } = json as Record<string, unknown>;
  const valid =
    version === VERSION &&
    Number.isSafeInteger(listedUntil) &&
    (newestDelivery === null || Number.isSafeInteger(newestDelivery)) &&
    Array.isArray(recent) &&
    recent.every((name) => typeof name === 'string');
  if (!valid) return null;
  return {
    listedUntil: listedUntil as number,
    newestDelivery: newestDelivery as number | null,
    recent: recent as string[],
  };
}
