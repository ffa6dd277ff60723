import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { localServicesScript } from './endpoints.js';

const run = promisify(execFile);

/**
 * A Kafka broker of a test's own, which it may stop and start again without disturbing the shared
 * one other test files use. Its data survives a stop, as a real broker's disk does.
 */
export interface PrivateKafka {
  brokers: string[];
  /** Stops the broker (SIGTERM, as an orderly shutdown or a node drain does). */
  stop(): Promise<void>;
  /** Starts it again on the same port with the same data. */
  start(): Promise<void>;
  /** Stops it and deletes its data. */
  remove(): Promise<void>;
}

/** A TCP port on 127.0.0.1 nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((found, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => found(port));
    });
  });
}

async function commandExists(command: string): Promise<boolean> {
  try {
    await run('sh', ['-c', `command -v ${command}`]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts a second single-node KRaft broker with `deploy/local/services.sh` in a temporary directory
 * (its jars come from the Maven cache, so the first start takes 20-40 s). Needs Java and Maven
 * whatever provided the shared endpoints; without them it fails saying so: a Kafka container can
 * come back on another mapped port, which its advertised listener would not follow.
 */
export async function startPrivateKafka(): Promise<PrivateKafka> {
  const missing: string[] = [];
  for (const [tool, why] of [
    ['java', 'runs the broker'],
    ['mvn', "fetches the broker's jars"],
  ] as const) {
    if (!(await commandExists(tool))) missing.push(`${tool} (${why})`);
  }
  if (missing.length > 0) {
    throw new Error(
      `a private Kafka broker (for stopping and restarting one) is started with ${localServicesScript}, which needs: ${missing.join(', ')}`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'trailstream-private-kafka-'));
  const [port, controllerPort] = [await freePort(), await freePort()];
  const env = {
    ...process.env,
    TRAILSTREAM_LOCAL_DIR: dir,
    TRAILSTREAM_KAFKA_PORT: String(port),
    TRAILSTREAM_KAFKA_CONTROLLER_PORT: String(controllerPort),
    TRAILSTREAM_KAFKA_HEAP: '512m',
  };
  const script = (action: 'up' | 'down') =>
    run('bash', [localServicesScript, action, 'kafka'], { env, maxBuffer: 16 * 1024 * 1024 }).then(
      () => undefined,
    );
  await script('up');
  return {
    brokers: [`127.0.0.1:${port}`],
    stop: () => script('down'),
    start: () => script('up'),
    async remove() {
      await script('down');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A broker whose only client listener is SASL_SSL, and what a client needs to reach it. */
export interface SecureKafka {
  /** The environment a Trailstream process connects with: brokers, TLS CA file, SCRAM-SHA-512 user. */
  env: Record<
    | 'KAFKA_BROKERS'
    | 'KAFKA_SSL'
    | 'KAFKA_SSL_CA_FILE'
    | 'KAFKA_SASL_MECHANISM'
    | 'KAFKA_SASL_USERNAME'
    | 'KAFKA_SASL_PASSWORD',
    string
  >;
  /** Stops it and deletes its data, certificates and users. */
  remove(): Promise<void>;
}

/**
 * Starts `deploy/local/services.sh up kafka-secure` in a temporary directory on free ports: TLS with a
 * throwaway CA, a SCRAM-SHA-512 user made at format time, and OAUTHBEARER checked by Kafka's
 * unsecured-JWT validator (`alg: none` tokens, for tests) on the same listener.
 */
export async function startSecureKafka(): Promise<SecureKafka> {
  const dir = await mkdtemp(join(tmpdir(), 'trailstream-secure-kafka-'));
  const env = {
    ...process.env,
    TRAILSTREAM_LOCAL_DIR: dir,
    TRAILSTREAM_KAFKA_SECURE_PORT: String(await freePort()),
    TRAILSTREAM_KAFKA_SECURE_CONTROLLER_PORT: String(await freePort()),
    TRAILSTREAM_KAFKA_SECURE_INTERNAL_PORT: String(await freePort()),
    TRAILSTREAM_KAFKA_HEAP: '512m',
  };
  const script = (action: 'up' | 'down') =>
    run('bash', [localServicesScript, action, 'kafka-secure'], { env, maxBuffer: 16 * 1024 * 1024 });
  const { stdout } = await script('up');
  const settings = Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  ) as SecureKafka['env'];
  return {
    env: settings,
    async remove() {
      await script('down');
      await rm(dir, { recursive: true, force: true });
    },
  };
}
