#!/usr/bin/env node
// In a clone (tsx installed with the dev dependencies) this runs the TypeScript sources, with the export
// condition that points workspace packages at their sources; in the production image, where only
// production dependencies exist, it runs the built output.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function hasTsx() {
  try {
    import.meta.resolve('tsx');
    return true;
  } catch {
    return false;
  }
}

if (!hasTsx()) {
  await import(join(root, 'dist', 'main.js'));
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
