import { createDatabase, type DatabaseUrls } from '@app/local-stack';
import { runMigrations } from '../../migrations/data-source.js';
import { withTimeout } from './lifecycle.js';
import type { Stores } from './stores.js';

export type ScratchDatabase = DatabaseUrls;

/**
 * A migrated, empty database of its own for a scenario (the rebuild's log, the ListTasks
 * tables, the SQL check), on the primary and visible on the replicas. A database of that
 * name left by an earlier run on an external DATABASE_URL is dropped first (names start
 * with `bench_`); there the replicas are DATABASE_REPLICA_URLS.
 */
export async function createScratchDatabase(stores: Stores, name: string): Promise<ScratchDatabase> {
  if (!/^bench_[a-z0-9_]+$/.test(name)) throw new Error(`scratch database names start with bench_: ${name}`);
  const cluster = stores.cluster?.handle ?? { primaryUrl: stores.primaryUrl, replicaUrls: stores.replicaUrls };
  const urls = await withTimeout(createDatabase(cluster, name, { recreate: true, timeoutMs: 60_000 }), 90_000, `creating database ${name}`);
  await withTimeout(runMigrations(urls.primaryUrl), 60_000, `migrating database ${name}`);
  return urls;
}

/**
 * The same Redis server, another logical database (redis://host:port/<db>): scenarios on
 * their own PostgreSQL database need their own projections namespace, since the key layout
 * (redis-layout.ts) does not name the database. Pub/sub channels are server-wide: a
 * wake-up published for one database only makes the projectors of the others look once.
 */
export function redisUrlWithDb(url: string, db: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${db}`;
  return parsed.toString();
}
