import type { IntakeEndpoint } from './fault-script.js';

export interface RecordedEvent {
  id: number;
  receivedAt: number;
  payload: Record<string, unknown>;
}

export interface RecordedLog {
  receivedAt: number;
  entry: Record<string, unknown>;
  /** Over 1 MB: Datadog would have truncated it (and still answered 202). */
  truncated: boolean;
}

export interface RecordedRejection {
  endpoint: IntakeEndpoint;
  status: number;
  errors: string[];
  receivedAt: number;
}

/** What the intake accepted and refused, as tests read it back (over HTTP too, so it is plain JSON). */
export interface IntakeSnapshot {
  events: RecordedEvent[];
  logs: RecordedLog[];
  rejections: RecordedRejection[];
  /** Requests answered per endpoint and status, faults included, e.g. `{ "events 429": 3 }`. */
  responses: Record<string, number>;
  /** Accepted items identical to one accepted before: what at-least-once delivery re-sent. */
  duplicates: { events: number; logs: number };
  /**
   * Per tag key of the accepted events and logs: how many items carried it and how many distinct values
   * it took. A key with as many values as items is unique per item: useless for grouping, costly to index.
   */
  tagCardinality: Record<string, { items: number; values: number }>;
}

/** Per key, the items that carried it and the values it took. */
class TagCardinality {
  #keys = new Map<string, { items: number; values: Set<string> }>();

  count(tags: Iterable<string>): void {
    for (const tag of tags) {
      const colon = tag.indexOf(':');
      const key = colon === -1 ? tag : tag.slice(0, colon);
      const entry = this.#keys.get(key) ?? { items: 0, values: new Set<string>() };
      entry.items += 1;
      entry.values.add(colon === -1 ? '' : tag.slice(colon + 1));
      this.#keys.set(key, entry);
    }
  }

  snapshot(): Record<string, { items: number; values: number }> {
    return Object.fromEntries(
      [...this.#keys].map(([key, { items, values }]) => [key, { items, values: values.size }]),
    );
  }
}

const stringsOf = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((tag): tag is string => typeof tag === 'string') : [];

export class IntakeRecording {
  #events: RecordedEvent[] = [];
  #logs: RecordedLog[] = [];
  #rejections: RecordedRejection[] = [];
  #responses = new Map<string, number>();
  #seen = new Set<string>();
  #duplicates = { events: 0, logs: 0 };
  #nextEventId = 7_000_000_000_000_000;
  #tags = new TagCardinality();

  acceptEvent(payload: Record<string, unknown>, receivedAt: number): RecordedEvent {
    if (this.#isRepeat('event', payload)) this.#duplicates.events += 1;
    this.#tags.count(stringsOf(payload.tags));
    const recorded = { id: this.#nextEventId++, receivedAt, payload };
    this.#events.push(recorded);
    return recorded;
  }

  acceptLog(entry: Record<string, unknown>, truncated: boolean, receivedAt: number): void {
    if (this.#isRepeat('log', entry)) this.#duplicates.logs += 1;
    if (typeof entry.ddtags === 'string') this.#tags.count(entry.ddtags.split(',').filter((t) => t !== ''));
    this.#logs.push({ receivedAt, entry, truncated });
  }

  reject(rejection: RecordedRejection): void {
    this.#rejections.push(rejection);
  }

  countResponse(endpoint: IntakeEndpoint, status: number): void {
    const key = `${endpoint} ${status}`;
    this.#responses.set(key, (this.#responses.get(key) ?? 0) + 1);
  }

  snapshot(): IntakeSnapshot {
    return {
      events: [...this.#events],
      logs: [...this.#logs],
      rejections: [...this.#rejections],
      responses: Object.fromEntries(this.#responses),
      duplicates: { ...this.#duplicates },
      tagCardinality: this.#tags.snapshot(),
    };
  }

  clear(): void {
    this.#events = [];
    this.#logs = [];
    this.#rejections = [];
    this.#responses.clear();
    this.#seen.clear();
    this.#duplicates = { events: 0, logs: 0 };
    this.#tags = new TagCardinality();
  }

  #isRepeat(kind: string, item: Record<string, unknown>): boolean {
    const identity = `${kind}:${JSON.stringify(item)}`;
    if (this.#seen.has(identity)) return true;
    this.#seen.add(identity);
    return false;
  }
}
