import type { Schema } from 'avsc';
import { defineContract, type EncodedMessage } from './contract.js';

/**
 * The SHA-256 of a log file's inflated bytes, computed by fetcher-parser while it streams the file, so
 * integrity validation compares it with the digest's `hashValue` without reading the file again.
 */
export interface LogFileHash {
  bucket: string;
  key: string;
  /** Lowercase hex. */
  sha256: string;
  /** Inflated bytes hashed. */
  bytes: number;
  /** epoch milliseconds */
  hashedAt: number;
}

const logFileHashV1: Schema = {
  type: 'record',
  name: 'LogFileHash',
  namespace: 'trailstream',
  fields: [
    { name: 'bucket', type: 'string' },
    { name: 'key', type: 'string' },
    { name: 'sha256', type: 'string', doc: 'hex SHA-256 of the inflated bytes' },
    { name: 'bytes', type: 'long' },
    { name: 'hashedAt', type: 'long', doc: 'epoch milliseconds' },
  ],
};

export const logFileHashContract = defineContract<LogFileHash>('trailstream.LogFileHash', {
  1: logFileHashV1,
});

/** Keyed by `s3://bucket/key`: compaction keeps one hash per object. */
export function logFileHashMessage(hash: LogFileHash): EncodedMessage & { key: string } {
  return { key: `s3://${hash.bucket}/${hash.key}`, ...logFileHashContract.encode(hash) };
}
