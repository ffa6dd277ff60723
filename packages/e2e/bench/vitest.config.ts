import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The benchmark runs under vitest so it gets the integration tests' real endpoints (global setup) and
// their harness unchanged; the conditions are the root config's: workspace packages from sources.
const conditions = ['@trailstream/source', 'node', 'import', 'default'];
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export default defineConfig({
  root: repoRoot,
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@trailstream/source'] } },
  test: {
    include: ['packages/e2e/bench/*.run.ts'],
    globalSetup: ['packages/testkit/src/global-setup.ts'],
    // One bench at a time: each measures CPU and disk alone on the machine.
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 180_000,
    // The recording intake keeps every accepted item in this process: a million logs need the room.
    execArgv: ['--max-old-space-size=8192'],
  },
});
