import { type CloudTrailStream, streamPrefix } from '@trailstream/cloudtrail';

/** A stream's identity across replicas and restarts: its bucket and folder. Also its checkpoint's Kafka key. */
export function streamKey(bucket: string, stream: CloudTrailStream): string {
  return `s3://${bucket}/${streamPrefix(stream)}`;
}

/**
 * The checkpoint-topic partition a stream belongs to. Owning a partition (through Kafka group
 * membership) means owning its streams, so the hash must be stable across processes and versions.
 */
export function partitionOfStream(key: string, partitions: number): number {
  // FNV-1a, 32 bits: tiny, stable and spreads short similar strings well.
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % partitions;
}
