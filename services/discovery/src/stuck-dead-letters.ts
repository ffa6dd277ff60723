import type { Logger } from '@trailstream/runtime';
import type { DiscoveryMetrics } from './metrics.js';

export interface StuckDeadLettersSettings {
  /** A message whose dead letter still cannot be published this long after it was sent is logged as an error. */
  alertAgeMs: number;
  /** A message not seen again for this long is gone from the queue (retention, a purge): forgotten. */
  forgetAfterMs: number;
  metrics: DiscoveryMetrics;
  logger: Logger;
}

interface Stuck {
  sentAt: number;
  lastFailedAt: number;
  reported: boolean;
}

// Bounded like every map keyed by input: far more than the messages a receiver holds at once.
const trackedAtMost = 10_000;

/**
 * Unreadable SQS messages whose dead letter could not be published. Such a message stays on the queue
 * and comes back after its visibility timeout, so nothing is lost yet, but it would loop until the
 * queue's retention drops it: while any is stuck the gauge shows it and `/readyz` is false, and one
 * older than `alertAgeMs` is logged as an error, once.
 */
export class StuckDeadLetters {
  private readonly stuck = new Map<string, Stuck>();

  constructor(private readonly settings: StuckDeadLettersSettings) {}

  publishFailed(messageId: string, sentAt: number, now: number, error: unknown): void {
    const entry = this.stuck.get(messageId) ?? { sentAt, lastFailedAt: now, reported: false };
    entry.lastFailedAt = now;
    this.stuck.delete(messageId);
    if (this.stuck.size >= trackedAtMost) this.stuck.delete(this.stuck.keys().next().value!);
    this.stuck.set(messageId, entry);
    this.settings.metrics.deadLetterPublishFailures.inc();
    const ageMs = now - entry.sentAt;
    if (ageMs >= this.settings.alertAgeMs && !entry.reported) {
      entry.reported = true;
      this.settings.logger.error(
        { err: error, messageId, ageSeconds: Math.round(ageMs / 1000) },
        'an unreadable SQS message has not been dead-lettered for longer than SQS_DEAD_LETTER_ALERT_AGE_SECONDS; ' +
          'it stays on the queue and is lost when the queue retention drops it: make the dead-letter topic writable ' +
          '(it exists, the producer may write it, max.message.bytes fits an SQS message)',
      );
    }
    this.update(now);
  }

  published(messageId: string | undefined, now: number): void {
    if (messageId !== undefined) this.stuck.delete(messageId);
    this.update(now);
  }

  /** No message is stuck (forgetting those the queue no longer holds). */
  isClear(now: number): boolean {
    this.update(now);
    return this.stuck.size === 0;
  }

  private update(now: number): void {
    let oldestSentAt = now;
    for (const [messageId, entry] of this.stuck) {
      if (now - entry.lastFailedAt > this.settings.forgetAfterMs) this.stuck.delete(messageId);
      else oldestSentAt = Math.min(oldestSentAt, entry.sentAt);
    }
    this.settings.metrics.deadLettersUnpublished.set(this.stuck.size);
    this.settings.metrics.deadLettersUnpublishedOldestAge.set((now - oldestSentAt) / 1000);
  }
}
