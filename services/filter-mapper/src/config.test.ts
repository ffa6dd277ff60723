import { loadConfig } from '@trailstream/runtime';
import { describe, expect, it } from 'vitest';
import { filterMapperEnv, filterMapperOptions } from './config.js';

const optionsFor = (settings: Record<string, string>) =>
  filterMapperOptions(loadConfig(filterMapperEnv, { KAFKA_BROKERS: '127.0.0.1:9092', ...settings }));

describe('RECORDS_PER_TRANSACTION', () => {
  it('bounds the input records of one transaction, 200 unless set', () => {
    expect(optionsFor({}).maxMessagesPerTransaction).toBe(200);
    expect(optionsFor({ RECORDS_PER_TRANSACTION: '1000' }).maxMessagesPerTransaction).toBe(1000);
  });

  it.each(['0', '10001', 'many'])('refuses %s, naming the variable', (value) => {
    expect(() => optionsFor({ RECORDS_PER_TRANSACTION: value })).toThrow(/RECORDS_PER_TRANSACTION/);
  });
});
