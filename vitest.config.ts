import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Unit tests are pure and run beside the code. Integration and end-to-end tests start
// real PostgreSQL (primary + streaming replica) and Redis, and talk to the built agents
// as real processes, so `npm test` builds first (pretest). Each tier runs alone with
// `--project <name>`; each real-store tier has its own global setup, so running both
// starts two clusters, one per tier.
function realStores(name: string, include: string): TestProjectInlineConfiguration {
  return {
    extends: true,
    test: {
      name,
      include: [include],
      environment: 'node',
      globalSetup: ['test/support/global-setup.ts'],
      setupFiles: ['test/support/stop-agents.ts'],
      testTimeout: 60_000,
      hookTimeout: 120_000,
      pool: 'forks',
    },
  };
}

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    // Two files at a time in every tier (a project may not set its own beside another's):
    // the real-store tests' timing bounds hold on a machine that is not oversubscribed.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          // The deployment and monitoring files are checked offline (parsers, promtool, nginx -t).
          include: ['libs/**/*.spec.ts', 'apps/**/*.spec.ts', 'test/{architecture,deploy,monitoring}/**/*.spec.ts'],
          exclude: ['**/node_modules/**', 'dist/**', '**/*.int.spec.ts', '**/*.e2e.spec.ts'],
          environment: 'node',
        },
      },
      realStores('integration', 'test/**/*.int.spec.ts'),
      realStores('e2e', 'test/**/*.e2e.spec.ts'),
    ],
  },
});
