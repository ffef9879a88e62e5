import { defineConfig } from 'vitest/config';

// Unit tests are pure and run beside the code. Integration and end-to-end tests start
// real PostgreSQL (primary + streaming replica) and Redis, and talk to the built agents
// as real processes, so `npm test` builds first (pretest).
export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts', 'test/architecture/**/*.spec.ts'],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.int.spec.ts', 'test/**/*.e2e.spec.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
    ],
  },
});
