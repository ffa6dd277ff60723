import { execFile, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The engine and image deploy/docker/check-image.sh prepared: its client binary and the built tag. */
export const docker = process.env.TRAILSTREAM_DOCKER ?? 'docker';
export const image = process.env.TRAILSTREAM_IMAGE ?? 'trailstream:ci';

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the docker client; resolves with the exit code whatever it is, so tests can assert on it. */
export async function dockerCommand(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(docker, args, { env, maxBuffer: 64 * 1024 * 1024 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
}

/** The way production runs a process: host network (loopback only), read-only root, uid 1000, a /tmp tmpfs. */
const hardened = ['--network', 'host', '--read-only', '--tmpfs', '/tmp', '--user', '1000:1000'];

function environmentArgs(env: Record<string, string>): string[] {
  return Object.entries(env).flatMap(([name, value]) => ['-e', `${name}=${value}`]);
}

/** A one-off container of the image, removed once it exits. */
export function runOnce(command: string[], env: Record<string, string> = {}): Promise<Outcome> {
  return dockerCommand(['run', '--rm', ...hardened, ...environmentArgs(env), image, ...command]);
}

export interface Container {
  name: string;
  logs(): Promise<string>;
  /** `docker stop` (SIGTERM, then SIGKILL after `graceSeconds`): the exit code and how long it took. */
  stop(graceSeconds?: number): Promise<{ exitCode: number; stopMs: number }>;
  remove(): Promise<void>;
}

export async function startContainer(
  name: string,
  command: string[],
  env: Record<string, string>,
): Promise<Container> {
  const started = await dockerCommand([
    'run',
    '-d',
    '--name',
    name,
    ...hardened,
    ...environmentArgs(env),
    image,
    ...command,
  ]);
  if (started.code !== 0) throw new Error(`docker run ${name} failed: ${started.stderr}`);
  return {
    name,
    async logs() {
      const { stdout, stderr } = await dockerCommand(['logs', name]);
      return stdout + stderr;
    },
    async stop(graceSeconds = 20) {
      const startedAt = Date.now();
      await dockerCommand(['stop', '-t', String(graceSeconds), name]);
      const stopMs = Date.now() - startedAt;
      const { stdout } = await dockerCommand(['inspect', '--format', '{{.State.ExitCode}}', name]);
      return { exitCode: Number(stdout.trim()), stopMs };
    },
    async remove() {
      await dockerCommand(['rm', '-f', name]);
    },
  };
}

/** The files of the sample trail `trailstream run` reads by default, as paths under AWSLogs/. */
export const sampleTrailRoot = join(repoRoot, 'packages/cli/sample-trail');

export function sampleTrailKeys(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.json.gz')) found.push(relative(sampleTrailRoot, path));
    }
  };
  walk(join(sampleTrailRoot, 'AWSLogs'));
  return found.sort();
}

/** The events count `trailstream run` prints for the sample trail, run from the image itself. */
export async function sampleTrailEventCount(): Promise<number> {
  const { code, stdout, stderr } = await runOnce(['trailstream', 'run']);
  const count = /^\s*events\s+(\d+)/m.exec(stderr + stdout)?.[1];
  if (code !== 0 || count === undefined) throw new Error(`trailstream run: exit ${code}: ${stderr}`);
  return Number(count);
}

/** Streams a command's output to this process's stderr, for the long compose steps. */
export function streamed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((done) => {
    const child = spawn(docker, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('exit', (code) => done(code ?? 1));
  });
}
