import type { FailureReason } from './dead-letter.js';

interface MessageId {
  partition: number;
  offset: string;
}

interface Failed {
  failures: number;
  deadLetter: FailureReason | null;
}

/**
 * The messages whose handler threw, across the retries of their chunk: how often, and the dead letter
 * a message gets instead of its handler when it comes round again.
 */
export class FailedMessages {
  private readonly byMessage = new Map<string, Failed>();

  failures(message: MessageId): number {
    return this.byMessage.get(keyOf(message))?.failures ?? 0;
  }

  deadLetterFor(message: MessageId): FailureReason | null {
    return this.byMessage.get(keyOf(message))?.deadLetter ?? null;
  }

  record(message: MessageId, failures: number, deadLetter: FailureReason | null): void {
    this.byMessage.set(keyOf(message), { failures, deadLetter });
  }

  /** The messages were committed: nothing about them is needed any more. */
  forget(messages: readonly MessageId[]): void {
    for (const message of messages) this.byMessage.delete(keyOf(message));
  }

  /** Drops what was kept about partitions no longer assigned. */
  retainOnly(partitions: readonly number[]): void {
    const kept = new Set(partitions);
    for (const key of this.byMessage.keys()) {
      if (!kept.has(Number(key.split(':')[0]))) this.byMessage.delete(key);
    }
  }
}

const keyOf = (message: MessageId) => `${message.partition}:${message.offset}`;
