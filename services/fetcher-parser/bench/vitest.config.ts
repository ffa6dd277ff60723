import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The *.run.ts benches (topic compression) run under vitest so they get the integration tests' real
// endpoints (global setup) and the test kit unchanged; the conditions are the root config's: workspace
// packages from sources. fetcher-bench.ts is a plain script (`npm run bench`), not run here.
const conditions = ['@trailstream/source', 'node', 'import', 'default'];
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export default defineConfig({
  root: repoRoot,
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@trailstream/source'] } },
  test: {
    include: ['services/fetcher-parser/bench/*.run.ts'],
    globalSetup: ['packages/testkit/src/global-setup.ts'],
    // One bench at a time: each measures CPU and disk alone on the machine.
    fileParallelism: false,
    testTimeout: 900_000,
    hookTimeout: 180_000,
    // As in the e2e bench config it ran under before: the records topic read back is held in this process.
    execArgv: ['--max-old-space-size=8192'],
  },
});
