import { loadConfig } from '@trailstream/runtime';
import { describe, expect, it } from 'vitest';
import { integrityEnv, integrityOptions } from './config.js';

describe('integrityOptions', () => {
  it('runs without PUBLIC_KEYS_FILE: the keys then come from CloudTrail ListPublicKeys', () => {
    const options = integrityOptions(loadConfig(integrityEnv, { KAFKA_BROKERS: 'kafka:9092' }));
    expect(options.publicKeysFile).toBeNull();
  });

  it('reads the keys from PUBLIC_KEYS_FILE when set', () => {
    const config = loadConfig(integrityEnv, {
      KAFKA_BROKERS: 'kafka:9092',
      PUBLIC_KEYS_FILE: '/etc/trailstream/public-keys.json',
    });
    expect(integrityOptions(config).publicKeysFile).toBe('/etc/trailstream/public-keys.json');
  });
});
