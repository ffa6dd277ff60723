import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The broker and the S3/SQS emulator `deploy/local/services.sh` runs, when they are the ones a run talks to. */
export interface LocalServers {
  kafka: { pid: number; dataDir: string } | null;
  moto: { pid: number } | null;
}

/**
 * Where `deploy/local/services.sh` may keep its pid files and the broker's data: `TRAILSTREAM_LOCAL_DIR`,
 * else `<checkout>/.local`; from a git worktree also the main checkout's, where the shared servers run.
 */
export function localStateDirs(repoRoot: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [env.TRAILSTREAM_LOCAL_DIR, join(repoRoot, '.local')];
  try {
    const commonGitDir = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    dirs.push(join(dirname(commonGitDir), '.local'));
  } catch {
    // Not a git checkout (an unpacked source tree): only the directories above.
  }
  return [...new Set(dirs.filter((dir): dir is string => dir !== undefined).map((dir) => resolve(dir)))];
}

function livePid(pidFile: string): number | null {
  try {
    const pid = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 && existsSync(`/proc/${pid}`) ? pid : null;
  } catch {
    return null;
  }
}

function commandLine(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return [];
  }
}

/**
 * The local servers behind `endpoints`, from the pid files of the first state directory whose broker
 * advertises one of `kafkaBrokers` and whose moto listens on the port of `awsEndpoint`; null for a server
 * that is elsewhere (a container, another machine) or not running, since its CPU cannot be read here.
 */
export function findLocalServers(
  dirs: readonly string[],
  endpoints: { kafkaBrokers: readonly string[]; awsEndpoint: string },
): LocalServers {
  const found: LocalServers = { kafka: null, moto: null };
  const motoPort = new URL(endpoints.awsEndpoint).port;
  for (const dir of dirs) {
    const kafkaPid = livePid(join(dir, 'kafka/kafka.pid'));
    if (found.kafka === null && kafkaPid !== null) {
      let properties = '';
      try {
        properties = readFileSync(join(dir, 'kafka/server.properties'), 'utf8');
      } catch {
        // A pid file without its config is not a broker this run can be sure of.
      }
      const advertised = /^advertised\.listeners=(.*)$/m.exec(properties)?.[1] ?? '';
      if (
        endpoints.kafkaBrokers.some((broker) => advertised.split(',').some((l) => l.endsWith(`//${broker}`)))
      ) {
        found.kafka = { pid: kafkaPid, dataDir: join(dir, 'kafka/data') };
      }
    }
    const motoPid = livePid(join(dir, 'moto.pid'));
    if (found.moto === null && motoPid !== null) {
      const args = commandLine(motoPid);
      if (args.some((arg, index) => arg === '-p' && args[index + 1] === motoPort))
        found.moto = { pid: motoPid };
    }
  }
  return found;
}
