import type { S3Client } from '@aws-sdk/client-s3';
import { createKafka, createLogger, loadConfig } from '@trailstream/runtime';
import { type ObjectRef, objectRefContract } from '@trailstream/schemas';
import {
  type CollectedMessage,
  metricValue,
  serviceEnvironment,
  testS3,
  testSqs,
} from '@trailstream/testkit';
import type { SourceRoles } from '@trailstream/trail-bucket';
import { Registry } from 'prom-client';
import type { AwsClients } from '../src/aws-clients.js';
import { discoveryEnv, discoveryOptions } from '../src/config.js';
import { type RunningDiscovery, startDiscovery } from '../src/discovery.js';

export interface TestDiscovery extends RunningDiscovery {
  /** The summed value of a counter or gauge, optionally for some labels only. */
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/**
 * Runs discovery in this process with the options main.ts builds from `env`, against the test run's
 * Kafka and emulator, through test clients (an instrumented S3 client, if given).
 */
export async function startTestDiscovery(
  env: Record<string, string>,
  clients: {
    s3?: S3Client;
    /** Clients built from the parsed SOURCE_ROLES, for tests of cross-account sources. */
    aws?: (sourceRoles: SourceRoles) => AwsClients;
  } = {},
): Promise<TestDiscovery> {
  const config = loadConfig(discoveryEnv, {
    ...serviceEnvironment(),
    LOG_LEVEL: process.env.TRAILSTREAM_TEST_LOG_LEVEL ?? 'fatal',
    S3_FORCE_PATH_STYLE: 'true',
    ...env,
  });
  const registry = new Registry();
  const logger = createLogger('discovery-test', { level: config.LOG_LEVEL, secrets: [] });
  const options = discoveryOptions(config);
  options.aws.destroy();
  const running = await startDiscovery({
    ...options,
    aws: clients.aws?.(options.sourceRoles) ?? testAwsClients(clients.s3),
    kafka: createKafka(config, logger),
    logger,
    registry,
  });
  return { ...running, metric: (name, labels) => metricValue(registry, name, labels) };
}

/** The emulator's clients for every queue and bucket. */
export function testAwsClients(s3: S3Client = testS3()): AwsClients {
  const sqs = testSqs();
  return {
    sqsFor: () => sqs,
    s3For: () => s3,
    destroy() {
      sqs.destroy();
      s3.destroy();
    },
  };
}

export interface ListingEvent {
  /** The ListObjectsV2 prefix. */
  prefix: string;
  phase: 'start' | 'end';
}

/** An emulator S3 client that reports every ListObjectsV2 request as it starts and as it ends. */
export function observedS3(onListing: (event: ListingEvent) => void): S3Client {
  const s3 = testS3();
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      if (context.commandName !== 'ListObjectsV2Command') return next(args);
      const prefix = (args.input as { Prefix?: string }).Prefix ?? '';
      onListing({ prefix, phase: 'start' });
      try {
        return await next(args);
      } finally {
        onListing({ prefix, phase: 'end' });
      }
    },
    { step: 'initialize', name: 'observeListings' },
  );
  return s3;
}

export function decodeRefs(messages: CollectedMessage[]): ObjectRef[] {
  return messages.map((message) => objectRefContract.decode(message.value!, message.headers));
}
