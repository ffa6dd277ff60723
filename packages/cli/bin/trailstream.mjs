#!/usr/bin/env node
// Runs the built CLI when there is one (the image); in a clone after `npm ci`, runs the TypeScript
// sources through tsx, with the export condition that points workspace packages at their sources.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'main.js');

if (existsSync(built)) {
  await import(built);
} else {
  const child = spawn(
    process.execPath,
    [
      '--conditions=@trailstream/source',
      '--import',
      'tsx',
      join(root, 'src', 'main.ts'),
      ...process.argv.slice(2),
    ],
    { stdio: 'inherit' },
  );
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 128 + 15 : 1)));
}
