import { digestRefKey, parseCloudTrailKey } from '@trailstream/cloudtrail';
import type { LogFileHash } from '@trailstream/schemas';

/** The account × region folder a log file or a digest chain belongs to; several trails may share it. */
export const logAreaOf = digestRefKey;

interface KnownFile {
  sha256: string;
  deliveredAt: number | null;
  hashedAt: number;
}

/**
 * Every log file hash fetcher-parser published (the compacted topic read from its start), by object and
 * by account × region folder, so a digest's files are checked without reading them again. Entries older
 * than the topic's retention are dropped.
 */
export class LogFileHashes {
  private readonly byObject = new Map<string, KnownFile>();
  private readonly byArea = new Map<string, Set<string>>();
  private readonly lastInArea = new Map<string, number>();

  constructor(private readonly retentionMs: number) {}

  get size(): number {
    return this.byObject.size;
  }

  add(hash: LogFileHash): void {
    const object = `s3://${hash.bucket}/${hash.key}`;
    const parsed = parseCloudTrailKey(hash.key);
    this.byObject.set(object, {
      sha256: hash.sha256,
      deliveredAt: parsed?.deliveredAt ?? null,
      hashedAt: hash.hashedAt,
    });
    if (!parsed) return;
    const area = logAreaOf(parsed);
    const objects = this.byArea.get(area) ?? new Set<string>();
    objects.add(object);
    this.byArea.set(area, objects);
    this.lastInArea.set(area, Math.max(this.lastInArea.get(area) ?? 0, parsed.deliveredAt ?? hash.hashedAt));
  }

  sha256Of(object: string): string | null {
    return this.byObject.get(object)?.sha256 ?? null;
  }

  /** When the area's newest log file was delivered (the time in its name), or null. */
  lastActivity(area: string): number | null {
    return this.lastInArea.get(area) ?? null;
  }

  /** The area's objects delivered (by their name) from `from` to `to`. */
  deliveredBetween(area: string, from: number, to: number): string[] {
    const found: string[] = [];
    for (const object of this.byArea.get(area) ?? []) {
      const deliveredAt = this.byObject.get(object)?.deliveredAt;
      if (deliveredAt !== null && deliveredAt !== undefined && deliveredAt >= from && deliveredAt <= to)
        found.push(object);
    }
    return found;
  }

  expire(now: number): void {
    for (const [object, file] of this.byObject) {
      if (now - file.hashedAt <= this.retentionMs) continue;
      this.byObject.delete(object);
      for (const objects of this.byArea.values()) objects.delete(object);
    }
  }
}
