import 'reflect-metadata';
import { Redis } from 'ioredis';
import { databaseConfig, EnvironmentError, redisConfig } from '@app/platform';
import { EventLogSource } from './event-log/event-log.source.js';
import { projectorLogReader } from './event-log/projector-log-reader.js';
import { projectionConfig } from './config/projection.config.js';
import { DatabaseHistory } from './event-log/database-history.js';
import { ProjectionRebuild } from './rebuild/projection-rebuild.js';

// Only the variables this tool uses are validated: it serves no HTTP and checks no
// tokens, so it does not ask for AUTH_JWT_SECRET or PORT as checkEnvironment() would.
async function main(): Promise<void> {
  const database = databaseConfig();
  const { url } = redisConfig();
  const { leaseMs } = projectionConfig();
  if (!url) throw new EnvironmentError('Invalid environment: REDIS_URL: is required to rebuild the projections');
  const redis = new Redis(url, { maxRetriesPerRequest: 3 });
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
