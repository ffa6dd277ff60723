export type IntakeEndpoint = 'events' | 'logs' | 'validate';

/**
 * A scripted misbehaviour, applied to the next `times` requests to `endpoint` (any endpoint when absent):
 * `rate-limit` answers 429 with Datadog's rate-limit headers, `error` answers with `status` (a 3xx with a
 * `Location`, a 407 with `Proxy-Authenticate`, as a redirecting URL or an authenticating proxy would),
 * `slow` waits `delayMs` and then answers normally, `drop` closes the connection without an answer,
 * `endless-body` answers `status` with a body that never ends (a misbehaving proxy).
 * `reject-containing` is not counted down: until a reset, any payload containing `text` gets a 400,
 * like an item Datadog refuses whenever it is sent.
 */
export type Fault =
  | { kind: 'rate-limit'; times: number; resetSeconds: number; endpoint?: IntakeEndpoint }
  | { kind: 'error'; times: number; status: number; endpoint?: IntakeEndpoint }
  | { kind: 'slow'; times: number; delayMs: number; endpoint?: IntakeEndpoint }
  | { kind: 'drop'; times: number; endpoint?: IntakeEndpoint }
  | { kind: 'endless-body'; times: number; status: number; endpoint?: IntakeEndpoint }
  | { kind: 'reject-containing'; text: string; endpoint?: IntakeEndpoint };

export type CountedFault = Exclude<Fault, { kind: 'reject-containing' }>;

/** The faults still to play, in the order they were added. */
export class FaultScript {
  #counted: { fault: CountedFault; left: number }[] = [];
  #poisons: { text: string; endpoint?: IntakeEndpoint }[] = [];

  add(faults: readonly Fault[]): void {
    for (const fault of faults) {
      if (fault.kind === 'reject-containing')
        this.#poisons.push({ text: fault.text, endpoint: fault.endpoint });
      else if (fault.times > 0) this.#counted.push({ fault, left: fault.times });
    }
  }

  /** The fault for this request, if any, counting it as played. */
  take(endpoint: IntakeEndpoint): CountedFault | null {
    const pending = this.#counted.find(
      ({ fault }) => fault.endpoint === undefined || fault.endpoint === endpoint,
    );
    if (!pending) return null;
    pending.left -= 1;
    if (pending.left === 0) this.#counted = this.#counted.filter((entry) => entry !== pending);
    return pending.fault;
  }

  /** The poison text this payload contains, if any. */
  poisonIn(endpoint: IntakeEndpoint, payload: string): string | null {
    const poison = this.#poisons.find(
      ({ text, endpoint: only }) => (only === undefined || only === endpoint) && payload.includes(text),
    );
    return poison?.text ?? null;
  }

  get pending(): number {
    return this.#counted.reduce((sum, { left }) => sum + left, 0);
  }

  clear(): void {
    this.#counted = [];
    this.#poisons = [];
  }
}

const endpoints = new Set<string>(['events', 'logs', 'validate']);

function positiveInteger(value: unknown, field: string, index: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new Error(`faults[${index}].${field} must be a non-negative integer`);
  }
  return value;
}

/** Reads faults sent over HTTP (`POST /intake/faults`), naming the first thing wrong with them. */
export function parseFaults(body: unknown): Fault[] {
  const list = typeof body === 'object' && body !== null ? (body as { faults?: unknown }).faults : undefined;
  if (!Array.isArray(list)) throw new Error('expected {"faults": [...]}');
  return list.map((raw: unknown, index): Fault => {
    if (typeof raw !== 'object' || raw === null) throw new Error(`faults[${index}] must be an object`);
    const fields = raw as Record<string, unknown>;
    const { endpoint } = fields;
    if (endpoint !== undefined && !(typeof endpoint === 'string' && endpoints.has(endpoint))) {
      throw new Error(`faults[${index}].endpoint must be events, logs or validate`);
    }
    const scope = endpoint === undefined ? {} : { endpoint: endpoint as IntakeEndpoint };
    switch (fields.kind) {
      case 'rate-limit':
        return {
          kind: 'rate-limit',
          times: positiveInteger(fields.times, 'times', index),
          resetSeconds: positiveInteger(fields.resetSeconds, 'resetSeconds', index),
          ...scope,
        };
      case 'error': {
        const status = positiveInteger(fields.status, 'status', index);
        if (status < 300 || status > 599) throw new Error(`faults[${index}].status must be 3xx, 4xx or 5xx`);
        return { kind: 'error', times: positiveInteger(fields.times, 'times', index), status, ...scope };
      }
      case 'endless-body': {
        const status = positiveInteger(fields.status, 'status', index);
        return {
          kind: 'endless-body',
          times: positiveInteger(fields.times, 'times', index),
          status,
          ...scope,
        };
      }
      case 'slow':
        return {
          kind: 'slow',
          times: positiveInteger(fields.times, 'times', index),
          delayMs: positiveInteger(fields.delayMs, 'delayMs', index),
          ...scope,
        };
      case 'drop':
        return { kind: 'drop', times: positiveInteger(fields.times, 'times', index), ...scope };
      case 'reject-containing':
        if (typeof fields.text !== 'string' || fields.text.length === 0) {
          throw new Error(`faults[${index}].text must be a non-empty string`);
        }
        return { kind: 'reject-containing', text: fields.text, ...scope };
      default:
        throw new Error(
          `faults[${index}].kind must be rate-limit, error, slow, drop, endless-body or reject-containing`,
        );
    }
  });
}
