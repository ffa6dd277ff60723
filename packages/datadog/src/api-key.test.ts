import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { format, inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ApiKey, apiKeySourceFromEnv, readApiKey } from './api-key.js';

const secret = '0123456789abcdef0123456789abcdef';

describe('ApiKey', () => {
  it('never shows its value when converted, serialized or inspected', () => {
    const key = new ApiKey(secret);
    const renderings = [
      String(key),
      `${key}`,
      JSON.stringify({ key }),
      inspect({ nested: { key } }),
      format('%s %o %j', key, key, key),
    ];
    for (const rendering of renderings) expect(rendering).not.toContain(secret);
    expect(key.reveal()).toBe(secret);
  });

  it('trims a trailing newline from a mounted file and refuses empty keys', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dd-key-'));
    await writeFile(join(dir, 'key'), `${secret}\n`);
    expect((await readApiKey({ kind: 'file', path: join(dir, 'key') })).reveal()).toBe(secret);
    await writeFile(join(dir, 'empty'), '\n');
    await expect(readApiKey({ kind: 'file', path: join(dir, 'empty') })).rejects.toThrow(/empty/);
  });

  it('takes the key from DD_API_KEY or DD_API_KEY_FILE, exactly one of them', () => {
    expect(apiKeySourceFromEnv({ DD_API_KEY: secret })).toEqual({ kind: 'value', value: secret });
    expect(apiKeySourceFromEnv({ DD_API_KEY_FILE: '/run/secrets/dd' })).toEqual({
      kind: 'file',
      path: '/run/secrets/dd',
    });
    expect(() => apiKeySourceFromEnv({})).toThrow(/required/);
    expect(() => apiKeySourceFromEnv({ DD_API_KEY: secret, DD_API_KEY_FILE: '/x' })).toThrow(/not both/);
  });
});
