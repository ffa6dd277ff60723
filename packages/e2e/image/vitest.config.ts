import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The image checks (deploy/docker/check-image.sh runs them once it has an engine and a built image): the
// integration tests' real endpoints (global setup) and harness; workspace packages from sources.
const conditions = ['@trailstream/source', 'node', 'import', 'default'];
const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

export default defineConfig({
  root: repoRoot,
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['@trailstream/source'] } },
  test: {
    include: ['packages/e2e/image/*.image.ts'],
    globalSetup: ['packages/testkit/src/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 180_000,
    hookTimeout: 180_000,
  },
});
