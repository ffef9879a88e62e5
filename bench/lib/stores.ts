import { join } from 'node:path';
import { createDatabase, startPostgresCluster, startRedisServer, withClient, type PostgresCluster } from '@app/local-stack';
import { runMigrations } from '../../migrations/data-source.js';
import type { BenchConfig } from './config.js';
import { defer, withTimeout } from './lifecycle.js';
import { makeTempDir } from './temp-dirs.js';

export interface Stores {
  /** The migrated database every scenario uses, on the primary. */
  primaryUrl: string;
  /** The same database on the replicas (empty with an external DATABASE_URL and no DATABASE_REPLICA_URLS). */
  replicaUrls: string[];
  /** Undefined when neither REDIS_URL nor a redis-server on PATH is available. */
  redisUrl: string | undefined;
  /** Set when this run started the cluster: creates more databases on it, reads its logs. */
  cluster?: { handle: PostgresCluster; dataDir: string; logDir: string };
  /** What was started and what was given, for the report. */
  description: string[];
  postgresVersion: string;
  redisVersion: string | undefined;
}

/** Starts (or takes from the environment) PostgreSQL and Redis, and migrates the bench database. */
export async function prepareStores(config: BenchConfig, log: (line: string) => void): Promise<Stores> {
  const description: string[] = [];
  let primaryUrl: string;
  let replicaUrls: string[];
  let cluster: Stores['cluster'];

  if (config.databaseUrl) {
    primaryUrl = config.databaseUrl;
    replicaUrls = (process.env.DATABASE_REPLICA_URLS ?? '').split(',').map((url) => url.trim()).filter(Boolean);
    description.push('PostgreSQL: DATABASE_URL (given)');
  } else {
    // Its own temp dir (like the test harness): as root, local-stack hands it to the
    // `postgres` OS user, which cannot enter the bench's private work directory.
    const dataDir = await makeTempDir('pg');
    log('starting PostgreSQL primary + streaming replica (embedded, durable: false)...');
    const handle = await withTimeout(
      startPostgresCluster({ dataDir, durable: false, replicas: 1, log: (line) => log(`  ${line}`) }),
      120_000,
      'starting PostgreSQL',
    );
    defer('PostgreSQL cluster', () => handle.stop());
    cluster = { handle, dataDir, logDir: join(dataDir, 'logs') };
    const urls = await withTimeout(createDatabase(handle, 'bench'), 60_000, 'creating the bench database');
    primaryUrl = urls.primaryUrl;
    replicaUrls = urls.replicaUrls;
    description.push('PostgreSQL: embedded primary + 1 streaming replica started by the bench (fsync off)');
  }
  log('applying migrations...');
  await withTimeout(runMigrations(primaryUrl), 60_000, 'applying migrations');

  let redisUrl = config.redisUrl;
  let redisVersion: string | undefined;
  if (redisUrl) {
    description.push('Redis: REDIS_URL (given)');
  } else {
    const redis = await withTimeout(startRedisServer(), 30_000, 'starting Redis');
    if (redis) {
      defer('Redis', () => redis.stop());
      redisUrl = redis.url;
      description.push('Redis: redis-server started by the bench');
    } else {
      description.push('Redis: none (no REDIS_URL, no redis-server on PATH); the agent rate-limits in process');
    }
  }
  if (redisUrl) redisVersion = await redisVersionOf(redisUrl).catch(() => undefined);

  const postgresVersion = await withClient(primaryUrl, async (client) => {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0]?.server_version ?? 'unknown';
  });
  return { primaryUrl, replicaUrls, redisUrl, cluster, description, postgresVersion, redisVersion };
}

async function redisVersionOf(url: string): Promise<string | undefined> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, connectTimeout: 3_000 });
  try {
    await redis.connect();
    const info = await redis.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1];
  } finally {
    redis.disconnect();
  }
}
