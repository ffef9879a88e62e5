import 'reflect-metadata';
import { createRedisClient, databaseConfig, EnvironmentError, redisConfig } from '@app/platform';
import { EventLogSource } from './event-log/event-log.source.js';
import { projectorLogReader } from './event-log/projector-log-reader.js';
import { projectionConfig } from './config/projection.config.js';
import { DatabaseHistory } from './event-log/database-history.js';
import { ProjectionRebuild } from './rebuild/projection-rebuild.js';

// Only the variables this tool uses are validated: it serves no HTTP and checks no
// tokens, so it does not ask for AUTH_JWT_SECRET or PORT as checkEnvironment() would.
async function main(): Promise<void> {
  const database = databaseConfig();
  const { leaseMs } = projectionConfig();
  // The agents' connection, except that commands wait for a (re)connection, are retried and
  // are not timed out (a rebuild sends large pipelines): a batch job rides out a failover.
  const redis = createRedisClient(redisConfig(), { enableOfflineQueue: true, maxRetriesPerRequest: 3, commandTimeout: undefined });
  if (!redis) {
    throw new EnvironmentError('Invalid environment: REDIS_URL: is required to rebuild the projections (or REDIS_SENTINELS with REDIS_SENTINEL_NAME)');
  }
  redis.on('error', () => undefined);
  const source = new EventLogSource(database);
  try {
    const rebuild = new ProjectionRebuild(redis, projectorLogReader(source), {
      leaseMs,
      history: await new DatabaseHistory(source).current(),
      report: (line) => console.log(line),
    });
    await rebuild.run();
  } finally {
    await source.onApplicationShutdown();
    await redis.quit().catch(() => redis.disconnect());
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof EnvironmentError ? error.message : `rebuild failed: ${(error as Error).message ?? error}`);
    process.exit(1);
  },
);
