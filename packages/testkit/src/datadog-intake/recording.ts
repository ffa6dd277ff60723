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
}

export class IntakeRecording {
  #events: RecordedEvent[] = [];
  #logs: RecordedLog[] = [];
  #rejections: RecordedRejection[] = [];
  #responses = new Map<string, number>();
  #seen = new Set<string>();
  #duplicates = { events: 0, logs: 0 };
  #nextEventId = 7_000_000_000_000_000;

  acceptEvent(payload: Record<string, unknown>, receivedAt: number): RecordedEvent {
    if (this.#isRepeat('event', payload)) this.#duplicates.events += 1;
    const recorded = { id: this.#nextEventId++, receivedAt, payload };
    this.#events.push(recorded);
    return recorded;
  }

  acceptLog(entry: Record<string, unknown>, truncated: boolean, receivedAt: number): void {
    if (this.#isRepeat('log', entry)) this.#duplicates.logs += 1;
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
    };
  }

  clear(): void {
    this.#events = [];
    this.#logs = [];
    this.#rejections = [];
    this.#responses.clear();
    this.#seen.clear();
    this.#duplicates = { events: 0, logs: 0 };
  }

  #isRepeat(kind: string, item: Record<string, unknown>): boolean {
    const identity = `${kind}:${JSON.stringify(item)}`;
    if (this.#seen.has(identity)) return true;
    this.#seen.add(identity);
    return false;
  }
}
