import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The *.run.ts benches run under vitest so they get the integration tests' real endpoints (global setup)
// and their harness unchanged; workspace packages resolve to their sources, as in vitest.config.ts.
// Each package's `bench` script names the files it runs.
const conditions = ['@trailstream/source', 'node', 'import', 'default'];

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@trailstream/source'] } },
  test: {
    include: ['{packages,services}/*/bench/*.run.ts'],
    globalSetup: ['packages/testkit/src/global-setup.ts'],
    // One bench at a time: each measures CPU and disk alone on the machine.
    fileParallelism: false,
    // A million records twice on a loaded 2-core machine took over 15 minutes: a slow day is not a failure.
    testTimeout: 3_600_000,
    hookTimeout: 180_000,
    // The recording intake keeps every accepted item in the bench process (a million logs), and the
    // compression bench holds the records topic it reads back: both need the room.
    execArgv: ['--max-old-space-size=8192'],
  },
});
