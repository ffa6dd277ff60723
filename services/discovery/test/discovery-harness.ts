import { createLogger, loadConfig } from '@trailstream/runtime';
import { type ObjectRef, objectRefContract } from '@trailstream/schemas';
import { type CollectedMessage, serviceEnvironment, testS3, testSqs } from '@trailstream/testkit';
import { Registry } from 'prom-client';
import { discoveryEnv } from './config.js';
import { type DiscoveryHooks, type RunningDiscovery, startDiscovery } from './discovery-service.js';

export interface TestDiscovery extends RunningDiscovery {
  /** The summed value of a counter or gauge, optionally for some labels only. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** Runs discovery in this process against the test run's Kafka and emulator, with test clients. */
export function startTestDiscovery(env: Record<string, string>, hooks: DiscoveryHooks = {}): TestDiscovery {
  const config = loadConfig(discoveryEnv, {
    ...serviceEnvironment(),
    LOG_LEVEL: process.env.TRAILSTREAM_TEST_LOG_LEVEL ?? 'fatal',
    S3_FORCE_PATH_STYLE: 'true',
    ...env,
  });
  const registry = new Registry();
  const logger = createLogger('discovery-test', { level: config.LOG_LEVEL, secrets: [] });
  const running = startDiscovery(config, logger, registry, { sqs: testSqs(), s3: testS3() }, hooks);
  return {
    ...running,
    async metric(name, labels = {}) {
      const metric = registry.getSingleMetric(name);
      if (!metric) throw new Error(`no metric ${name}`);
      const { values } = await metric.get();
      return values
        .filter((value) =>
          Object.entries(labels).every(([label, expected]) => value.labels[label] === expected),
        )
        .reduce((sum, value) => sum + value.value, 0);
    },
  };
}

export function decodeRefs(messages: CollectedMessage[]): ObjectRef[] {
  return messages.map((message) => objectRefContract.decode(message.value!, message.headers));
}

export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
