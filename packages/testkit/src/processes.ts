import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export type ServiceName = 'discovery' | 'fetcher-parser' | 'filter-mapper' | 'emitter' | 'integrity';

export interface ServiceProcess {
  child: ChildProcess;
  /** Every line the process wrote to stdout and stderr so far. */
  output: string[];
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** Sends the signal and resolves with the exit code (or signal name) once the process is gone. */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** The variables that point a service at the test run's Kafka and S3/SQS. */
export function serviceEnvironment(): Record<string, string> {
  const { kafkaBrokers, awsEndpoint, awsRegion } = inject('endpoints');
  return {
    KAFKA_BROKERS: kafkaBrokers.join(','),
    AWS_ENDPOINT_URL: awsEndpoint,
    AWS_REGION: awsRegion,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    HTTP_PORT: '0',
  };
}

/**
 * How a service process runs: from its TypeScript sources through tsx (tests: no build step), or from
 * the JavaScript `npm run build` wrote to dist through the image's entrypoint, with its Node options,
 * as production runs it (benchmarks: tsx's loader and its per-function name helpers cost CPU that
 * production does not spend).
 */
export type ServiceCode = 'sources' | 'build';

const imageEntrypoint = resolve(repoRoot, 'deploy/docker/entrypoint.sh');

/** The command that runs a service, where, and the PATH it needs. */
export function serviceCommand(
  service: ServiceName,
  code: ServiceCode,
): { command: string; args: string[]; cwd: string; path: string } {
  const cwd = resolve(repoRoot, 'services', service);
  const built = resolve(cwd, 'dist/main.js');
  if (code === 'build' && !existsSync(built))
    throw new Error(`${service} has no build at ${built}: run \`npm run build\` first`);
  // The entrypoint execs `node` from PATH: this one, whatever PATH says first.
  const path = [dirname(process.execPath), process.env.PATH ?? ''].join(delimiter);
  const [command, args] =
    code === 'build'
      ? ['sh', [imageEntrypoint, service]]
      : [process.execPath, ['--conditions=@trailstream/source', '--import', 'tsx', 'src/main.ts']];
  return { command, args, cwd, path };
}

/** Runs a service as a separate process. */
export function startServiceProcess(
  service: ServiceName,
  env: Record<string, string>,
  code: ServiceCode = 'sources',
): ServiceProcess {
  const { command, args, cwd, path } = serviceCommand(service, code);
  const child = spawn(command, args, {
    cwd,
    env: { PATH: path, ...serviceEnvironment(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const waiters = new Set<() => void>();
  const collect = (chunk: Buffer) => {
    output.push(...chunk.toString().split('\n').filter(Boolean));
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | string>((done) =>
    child.once('exit', (code, signal) => done(code ?? signal ?? 'unknown')),
  );

  return {
    child,
    output,
    waitForOutput(pattern, timeoutMs = 60_000) {
      return new Promise((done, fail) => {
        const check = () => {
          const line = output.find((l) => pattern.test(l));
          if (!line) return;
          cleanup();
          done(line);
        };
        const timer = setTimeout(() => {
          cleanup();
          fail(
            new Error(
              `${service} did not print ${pattern} within ${timeoutMs} ms; output:\n${output.join('\n')}`,
            ),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        void exited.then(() => check());
        check();
      });
    },
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
