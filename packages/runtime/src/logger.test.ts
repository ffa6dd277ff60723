import { describe, expect, it } from 'vitest';
import { addLogSecret, createLogger } from './logger.js';

function capture(secrets?: string[]) {
  const lines: string[] = [];
  const logger = createLogger('test', {
    destination: { write: (line: string) => lines.push(line) },
    secrets,
  });
  return { logger, lines };
}

describe('createLogger', () => {
  it('writes JSON lines with the level as a word', () => {
    const { logger, lines } = capture([]);
    logger.info({ objects: 3 }, 'hello');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', name: 'test', objects: 3, msg: 'hello' });
  });

  it('never prints a secret from the environment, wherever it appears', () => {
    const apiKey = '0123456789abcdef0123456789abcdef';
    const password = 'p@ss"word\\with-quotes';
    const { logger, lines } = capture([apiKey, password]);
    logger.error({ err: new Error(`request with key ${apiKey} failed`) }, 'delivery failed');
    logger.info({ config: { DD_API_KEY: apiKey }, url: `https://x/?api_key=${apiKey}` }, `using ${apiKey}`);
    logger.warn({ sasl: { password } }, 'connecting');
    logger.warn({ note: password }, 'again');
    const output = lines.join('');
    expect(output).not.toContain(apiKey);
    expect(output).not.toContain('p@ss');
    expect(output.match(/\[REDACTED\]/g)?.length).toBeGreaterThanOrEqual(5);
  });

  it('blanks a secret learnt while running from later lines, its children included', () => {
    const rotated = 'fedcba9876543210fedcba9876543210';
    const { logger, lines } = capture([]);
    addLogSecret(logger, rotated);
    logger.child({ partition: 1 }).warn({ err: new Error(`key ${rotated} refused`) }, `retrying ${rotated}`);
    expect(lines.join('')).not.toContain(rotated);
    expect(lines.join('')).toContain('[REDACTED]');
  });

  it('redacts credential fields by name even when the value is not a known secret', () => {
    const { logger, lines } = capture([]);
    logger.info({ client: { apiKey: 'short', password: 'pw', headers: { 'dd-api-key': 'k' } } }, 'x');
    const line = JSON.parse(lines[0]!);
    expect(line.client).toEqual({
      apiKey: '[REDACTED]',
      password: '[REDACTED]',
      headers: { 'dd-api-key': '[REDACTED]' },
    });
  });
});
