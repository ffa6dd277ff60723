import type { Message } from 'kafkajs';

/**
 * Groups record messages into sends of about `maxBytes`: one awaited send per record is slow, and one
 * send per file would hold the whole file in memory. A batch never exceeds `maxBytes` unless a single
 * message does.
 */
export class RecordBatch {
  private messages: Message[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number) {}

  /** Adds a message; returns the batch to send first when this one would overflow it. */
  add(message: Message, size: number): Message[] | null {
    let full: Message[] | null = null;
    if (this.messages.length > 0 && this.bytes + size > this.maxBytes) full = this.drain();
    this.messages.push(message);
    this.bytes += size;
    return full;
  }

  /** Whatever is waiting, emptied. */
  drain(): Message[] {
    const messages = this.messages;
    this.messages = [];
    this.bytes = 0;
    return messages;
  }
}
