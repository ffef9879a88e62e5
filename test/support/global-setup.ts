import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startPostgresCluster, startRedisServer } from '@app/local-stack';

declare module 'vitest' {
  export interface ProvidedContext {
    primaryUrl: string;
    replicaUrls: string[];
    redisUrl: string;
  }
}

/**
 * One real PostgreSQL primary with a streaming replica and one Redis for the whole run;
 * each test file makes its own database on them (test/support/test-database.ts).
 */
export default async function setup(project: TestProject) {
  const dataDir = await mkdtemp(join(tmpdir(), 'cqrs-test-pg-'));
  const cluster = await startPostgresCluster({ dataDir, replicas: 1 });
  const redis = await startRedisServer();
  // No fallback to some Redis on the machine: tests flush their databases.
  if (!redis) {
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw new Error('redis-server is not on PATH: the real-store tests need a private Redis');
  }
  project.provide('primaryUrl', cluster.primaryUrl);
  project.provide('replicaUrls', cluster.replicaUrls);
  project.provide('redisUrl', redis.url);

  return async () => {
    await redis.stop();
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
