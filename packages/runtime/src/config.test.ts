import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, env, kafkaEnv, loadConfig, secretValuesIn, serviceEnv } from './config.js';

const shape = { ...serviceEnv, ...kafkaEnv, BATCH_SIZE: env.integer(100, { min: 1, max: 1000 }) };

function problemsOf(envVars: NodeJS.ProcessEnv): string {
  try {
    loadConfig(shape, envVars);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and parses lists, numbers and booleans', () => {
    const config = loadConfig(shape, { KAFKA_BROKERS: 'a:9092, b:9092', KAFKA_SSL: 'true', BATCH_SIZE: '7' });
    expect(config).toMatchObject({
      KAFKA_BROKERS: ['a:9092', 'b:9092'],
      KAFKA_SSL: true,
      BATCH_SIZE: 7,
      LOG_LEVEL: 'info',
      HTTP_PORT: 8080,
      KAFKA_CLIENT_ID: 'trailstream',
    });
  });

  it('names a missing variable', () => {
    expect(problemsOf({})).toMatch(/KAFKA_BROKERS is required but not set/);
  });

  it('names a malformed variable, its value, and what was expected', () => {
    const message = problemsOf({
      KAFKA_BROKERS: 'k:9092',
      HTTP_PORT: 'eighty',
      BATCH_SIZE: '5000',
      LOG_LEVEL: 'loud',
    });
    expect(message).toContain('HTTP_PORT="eighty" is invalid: expected a whole number');
    expect(message).toContain('BATCH_SIZE="5000" is invalid: expected at most 1000');
    expect(message).toMatch(/LOG_LEVEL="loud" is invalid: expected one of fatal, error/);
  });

  it('never echoes the value of a secret variable', () => {
    const secretShape = {
      DD_API_KEY: z.string().regex(/^[0-9a-f]{32}$/, { error: 'expected 32 hex characters' }),
    };
    try {
      loadConfig(secretShape, { DD_API_KEY: 'not-a-real-key-but-secret' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect((error as Error).message).toContain(
        'DD_API_KEY="[REDACTED]" is invalid: expected 32 hex characters',
      );
      expect((error as Error).message).not.toContain('not-a-real-key-but-secret');
    }
  });

  it('treats an empty variable as unset', () => {
    expect(problemsOf({ KAFKA_BROKERS: '' })).toMatch(/KAFKA_BROKERS is required/);
  });
});

describe('secretValuesIn', () => {
  it('collects the values of variables whose names say they are secret', () => {
    expect(
      secretValuesIn({
        DD_API_KEY: 'abcdef123456',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI',
        KAFKA_SASL_PASSWORD: 'hunter2hunter2',
        KAFKA_BROKERS: 'localhost:9092',
      }).sort(),
    ).toEqual(['abcdef123456', 'hunter2hunter2', 'wJalrXUtnFEMI']);
  });
});
