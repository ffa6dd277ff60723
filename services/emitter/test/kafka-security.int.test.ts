import { createKafka, createLogger, kafkaEnv, loadConfig } from '@trailstream/runtime';
import { datadogOutputContract } from '@trailstream/schemas';
import {
  type DatadogIntake,
  type SecureKafka,
  type ServiceProcess,
  startDatadogIntake,
  startSecureKafka,
  startServiceProcess,
  uniqueName,
} from '@trailstream/testkit';
import type { Kafka } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventOutput, goodKey } from './emitter-harness.js';

// A real broker whose only client listener is SASL_SSL: TLS with a throwaway CA, SCRAM-SHA-512 users.
let broker: SecureKafka;
let kafka: Kafka;
let intake: DatadogIntake;
const running: ServiceProcess[] = [];

beforeAll(async () => {
  broker = await startSecureKafka();
  kafka = createKafka(loadConfig(kafkaEnv, broker.env), createLogger('test', { level: 'silent' }));
  intake = await startDatadogIntake({ apiKeys: [goodKey] });
});
afterAll(async () => {
  await Promise.all(running.map((process) => process.stop('SIGKILL')));
  await intake?.close();
  await broker?.remove();
});

function startEmitter(env: Record<string, string>): ServiceProcess {
  const process = startServiceProcess('emitter', { DD_URL: intake.url, DD_API_KEY: goodKey, ...env });
  running.push(process);
  return process;
}

function exitOf(process: ServiceProcess): Promise<number | string> {
  return new Promise((resolve) => {
    if (process.child.exitCode !== null) resolve(process.child.exitCode);
    else process.child.once('exit', (code, signal) => resolve(code ?? signal ?? 'unknown'));
  });
}

describe('Kafka over TLS with SCRAM-SHA-512', () => {
  it('runs the emitter stage: it creates its topics, consumes and delivers, and stops cleanly', async () => {
    const run = uniqueName('secure');
    const topics = { TOPIC_DATADOG: `${run}.datadog`, TOPIC_DLQ: `${run}.dlq` };
    const emitter = startEmitter({ ...broker.env, ...topics, KAFKA_GROUP_ID: run, TOPIC_PARTITIONS: '2' });
    await emitter.waitForOutput(/emitter consuming/);

    const producer = kafka.producer();
    await producer.connect();
    const ids = Array.from({ length: 20 }, (_, index) => `${run}-${index}`);
    await producer.send({
      topic: topics.TOPIC_DATADOG,
      messages: ids.map((id) => {
        const encoded = datadogOutputContract.encode(eventOutput(id));
        return { key: id, value: encoded.value, headers: encoded.headers };
      }),
    });
    await producer.disconnect();

    const deadline = Date.now() + 30_000;
    while (intake.snapshot().events.length < ids.length && Date.now() < deadline)
      await new Promise((settle) => setTimeout(settle, 100));
    expect(intake.snapshot().events).toHaveLength(ids.length);
    expect(await emitter.stop('SIGTERM')).toBe(0);
    // The password never shows in what it printed.
    expect(emitter.output.join('\n')).not.toContain(broker.env.KAFKA_SASL_PASSWORD);
  });

  it('stops at once on a wrong password: exit 78 and one message naming the credentials, no stack trace', async () => {
    const wrongPassword = 'not-the-password-0123';
    const emitter = startEmitter({
      ...broker.env,
      KAFKA_SASL_PASSWORD: wrongPassword,
      KAFKA_GROUP_ID: uniqueName('wrong'),
    });
    const startedAt = Date.now();
    expect(await exitOf(emitter)).toBe(78);
    expect(Date.now() - startedAt).toBeLessThan(20_000);
    const output = emitter.output.join('\n');
    expect(output).toContain('refused the KAFKA_SASL_MECHANISM=scram-sha-512 credentials');
    expect(output).toContain('check KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD');
    expect(output).not.toMatch(/\n\s+at /);
    // The message and nothing else: kafkajs' own lines about the refusal are at debug level.
    expect(emitter.output.filter((line) => line.startsWith('{'))).toEqual([]);
    expect(output).not.toContain(wrongPassword);
  });
});
