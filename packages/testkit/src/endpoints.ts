import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

declare module 'vitest' {
  export interface ProvidedContext {
    endpoints: TestEndpoints;
  }
}

/** Where the real servers a test talks to are. */
export interface TestEndpoints {
  kafkaBrokers: string[];
  awsEndpoint: string;
  awsRegion: string;
  /** How the endpoints were obtained, for the log line that opens a test run. */
  origin: 'environment' | 'testcontainers' | 'local-script';
}

export interface ProvisionedEndpoints {
  endpoints: TestEndpoints;
  /** Stops what this run started; leaves alone what was already running. */
  release(): Promise<void>;
}

const run = promisify(execFile);
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const localServicesScript = resolve(repoRoot, 'deploy/local/services.sh');

const KAFKA_IMAGE = 'confluentinc/cp-kafka:7.9.1';
const LOCALSTACK_IMAGE = 'localstack/localstack:4.14.0';

function fromEnvironment(env: NodeJS.ProcessEnv): TestEndpoints | undefined {
  if (!env.KAFKA_BROKERS || !env.AWS_ENDPOINT_URL) return undefined;
  return {
    kafkaBrokers: env.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    awsEndpoint: env.AWS_ENDPOINT_URL,
    awsRegion: env.AWS_REGION ?? 'us-east-1',
    origin: 'environment',
  };
}

async function dockerIsReachable(env: NodeJS.ProcessEnv): Promise<boolean> {
  if (!env.DOCKER_HOST && !existsSync('/var/run/docker.sock')) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function fromTestcontainers(): Promise<ProvisionedEndpoints> {
  const { KafkaContainer } = await import('@testcontainers/kafka');
  const { LocalstackContainer } = await import('@testcontainers/localstack');
  const [kafka, localstack] = await Promise.all([
    new KafkaContainer(KAFKA_IMAGE)
      .withKraft()
      // The module leaves these at 3; one broker needs 1 or transactional producers hang.
      .withEnvironment({
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      })
      .start(),
    new LocalstackContainer(LOCALSTACK_IMAGE).withEnvironment({ SERVICES: 's3,sqs' }).start(),
  ]);
  return {
    endpoints: {
      kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9093)}`],
      awsEndpoint: localstack.getConnectionUri(),
      awsRegion: 'us-east-1',
      origin: 'testcontainers',
    },
    release: async () => {
      await Promise.all([kafka.stop(), localstack.stop()]);
    },
  };
}

async function missingTools(): Promise<string[]> {
  const tools = [
    ['java', 'Java 17+ (runs Kafka)'],
    ['mvn', 'Maven (fetches the Kafka jars)'],
    ['python3', 'Python 3 (runs moto, the S3/SQS emulator)'],
  ];
  const missing: string[] = [];
  for (const [tool, why] of tools) {
    try {
      await run('sh', ['-c', `command -v ${tool}`]);
    } catch {
      missing.push(`${tool}: ${why}`);
    }
  }
  return missing;
}

function parseEnvLines(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split('\n')
      .map((line) => line.trim().split('='))
      .filter((parts): parts is [string, string] => parts.length === 2),
  );
}

/** The servers `services.sh up` starts for tests. */
const testServers = ['kafka', 'moto'] as const;

/**
 * Which of the test servers `services.sh status` reports stopped: only those are stopped again after
 * the run, so servers someone started before it keep running (the SASL_SSL broker's line is not one).
 */
export function stoppedTestServers(status: string): (typeof testServers)[number][] {
  const running = new Set(
    status
      .split('\n')
      .map((line) => /^([\w-]+): running\b/.exec(line.trim())?.[1])
      .filter((name) => name !== undefined),
  );
  return testServers.filter((name) => !running.has(name));
}

async function fromLocalScript(): Promise<ProvisionedEndpoints> {
  const { stdout: status } = await run('bash', [localServicesScript, 'status']);
  const startedHere = stoppedTestServers(status);
  const { stdout } = await run('bash', [localServicesScript, 'up'], { maxBuffer: 16 * 1024 * 1024 });
  const vars = parseEnvLines(stdout);
  return {
    endpoints: {
      kafkaBrokers: (vars.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      awsEndpoint: vars.AWS_ENDPOINT_URL ?? 'http://127.0.0.1:4566',
      awsRegion: vars.AWS_REGION ?? 'us-east-1',
      origin: 'local-script',
    },
    release: async () => {
      if (process.env.TRAILSTREAM_KEEP_SERVICES === '1') return;
      for (const server of startedHere) await run('bash', [localServicesScript, 'down', server]);
    },
  };
}

/**
 * Real Kafka, S3 and SQS for tests: from KAFKA_BROKERS + AWS_ENDPOINT_URL when set, else from
 * testcontainers where a Docker engine answers, else from `deploy/local/services.sh` (installing on
 * first use). When none of these can work, it fails saying what is missing; a test never skips.
 */
export async function provisionEndpoints(
  env: NodeJS.ProcessEnv = process.env,
): Promise<ProvisionedEndpoints> {
  const given = fromEnvironment(env);
  if (given) return { endpoints: given, release: async () => undefined };
  if (await dockerIsReachable(env)) return fromTestcontainers();
  const missing = await missingTools();
  if (missing.length > 0) {
    throw new Error(
      [
        'Integration tests need real Kafka, S3 and SQS, and none could be provided:',
        '  - KAFKA_BROKERS and AWS_ENDPOINT_URL are not both set,',
        '  - no Docker engine answers (for testcontainers),',
        '  - and deploy/local/services.sh cannot run because these are missing:',
        ...missing.map((m) => `      ${m}`),
      ].join('\n'),
    );
  }
  return fromLocalScript();
}
