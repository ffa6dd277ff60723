import { describe, expect, it } from 'vitest';
import { stoppedTestServers } from './endpoints.js';

describe('stoppedTestServers', () => {
  it('names none when Kafka and moto run, whatever the SASL_SSL broker does', () => {
    const status = [
      'kafka: running (pid 4242) at 127.0.0.1:9092',
      'moto: running (pid 4343) at http://127.0.0.1:4566',
      'kafka-secure: stopped',
    ].join('\n');
    expect(stoppedTestServers(status)).toEqual([]);
  });

  it('names only the servers that were stopped, for the run to stop again', () => {
    const status = 'kafka: running (pid 4242) at 127.0.0.1:9092\nmoto: stopped\nkafka-secure: stopped\n';
    expect(stoppedTestServers(status)).toEqual(['moto']);
    expect(stoppedTestServers('kafka: stopped\nmoto: stopped\nkafka-secure: running (pid 1) at x')).toEqual([
      'kafka',
      'moto',
    ]);
  });
});
