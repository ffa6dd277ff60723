import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceEnvironment } from '@trailstream/testkit';

const bin = join(dirname(fileURLToPath(import.meta.url)), '../bin/trailstream.mjs');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time from start to exit. */
  elapsedMs: number;
}

/** Runs the real `trailstream` command as a user would, pointed at the test run's servers. */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<CliResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [bin, ...args],
      {
        env: { PATH: process.env.PATH ?? '', ...serviceEnvironment(), ...env },
        timeout: timeoutMs,
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        // A command that hangs is a failure of its own; say so rather than leave an unexplained code.
        const note = error?.killed ? `\n[runCli] still running after ${timeoutMs} ms: killed\n` : '';
        resolve({ code, stdout, stderr: stderr + note, elapsedMs: Date.now() - started });
      },
    );
  });
}
