import { readFile } from 'node:fs/promises';
import { inspect } from 'node:util';

const REDACTED = '[redacted]';

/**
 * A Datadog API key that cannot leak by accident: string conversion, JSON and util.inspect (which pino and
 * console use) all print `[redacted]`. Only `reveal()` gives the value, and only the HTTP client calls it.
 */
export class ApiKey {
  readonly #value: string;

  constructor(value: string) {
    const trimmed = value.trim();
    if (trimmed.length === 0) throw new Error('Datadog API key is empty');
    if (/\s/.test(trimmed)) throw new Error('Datadog API key contains whitespace');
    this.#value = trimmed;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Where the key comes from: the value itself, or a mounted file (which may be rotated while running). */
export type ApiKeySource = { kind: 'value'; value: string } | { kind: 'file'; path: string };

export function apiKeySourceFromEnv(env: { DD_API_KEY?: string; DD_API_KEY_FILE?: string }): ApiKeySource {
  if (env.DD_API_KEY && env.DD_API_KEY_FILE) {
    throw new Error('set DD_API_KEY or DD_API_KEY_FILE, not both');
  }
  if (env.DD_API_KEY_FILE) return { kind: 'file', path: env.DD_API_KEY_FILE };
  if (env.DD_API_KEY) return { kind: 'value', value: env.DD_API_KEY };
  throw new Error('DD_API_KEY or DD_API_KEY_FILE is required');
}

export async function readApiKey(source: ApiKeySource): Promise<ApiKey> {
  if (source.kind === 'value') return new ApiKey(source.value);
  try {
    return new ApiKey(await readFile(source.path, 'utf8'));
  } catch (error) {
    // The path is not secret; the message of a read error never holds the file's contents.
    throw new Error(`cannot read the Datadog API key from ${source.path}: ${(error as Error).message}`);
  }
}
