import { ConfigError, loadConfig } from '@trailstream/runtime';
import { describe, expect, it } from 'vitest';
import { emitterEnv, emitterOptions } from './config.js';

const optionsFor = (settings: Record<string, string>) =>
  emitterOptions(
    loadConfig(emitterEnv, { KAFKA_BROKERS: '127.0.0.1:9092', DD_API_KEY: 'k'.repeat(32), ...settings }),
  );

describe('DD_URL and the API key in clear text', () => {
  it('refuses plain http to another machine, saying why and what to set', () => {
    expect(() => optionsFor({ DD_URL: 'http://dd-proxy.monitoring.svc:8080' })).toThrow(ConfigError);
    expect(() => optionsFor({ DD_URL: 'http://dd-proxy.monitoring.svc:8080' })).toThrow(
      /clear text.*DD_ALLOW_PLAIN_HTTP=true/,
    );
  });

  it.each([
    'http://127.0.0.1:8126',
    'http://localhost:8080/datadog',
    'http://[::1]:9000',
    'https://dd-proxy:8443',
  ])('accepts %s', (url) => {
    expect(optionsFor({ DD_URL: url }).datadog.target).toMatchObject({ baseUrl: url });
  });

  it('accepts plain http to another machine with the explicit opt-in', () => {
    const options = optionsFor({ DD_URL: 'http://dd-proxy:8080', DD_ALLOW_PLAIN_HTTP: 'true' });
    expect(options.datadog.target).toEqual({ baseUrl: 'http://dd-proxy:8080', allowPlainHttp: true });
  });
});

describe('EMITTER_LOGS_GZIP_LEVEL', () => {
  it('defaults to level 1, the least CPU', () => {
    expect(optionsFor({}).datadog.logsGzipLevel).toBe(1);
    expect(optionsFor({ EMITTER_LOGS_GZIP_LEVEL: '6' }).datadog.logsGzipLevel).toBe(6);
  });

  it.each(['0', '10', 'fast'])('refuses %s, naming the variable', (level) => {
    expect(() => optionsFor({ EMITTER_LOGS_GZIP_LEVEL: level })).toThrow(/EMITTER_LOGS_GZIP_LEVEL/);
  });
});
