import { setTimeout as sleep } from 'node:timers/promises';
import { createDatabase } from '@app/local-stack';
import { runMigrations } from '../../migrations/data-source.js';
import { withTimeout } from './lifecycle.js';
import { withClient, type Stores } from './stores.js';

export interface ScratchDatabase {
  primaryUrl: string;
  replicaUrls: string[];
}

/** `url` with its database name replaced. */
export function withDatabaseName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/**
 * A migrated database of its own for a scenario (the rebuild's log, the ListTasks tables),
 * on the primary and visible on the replicas. On the cluster this run started it is new.
 * With an external DATABASE_URL, a database of that name left by an earlier run is dropped
 * first (names start with `bench_`), and the replicas are DATABASE_REPLICA_URLS with the
 * database name replaced.
 */
export async function createScratchDatabase(stores: Stores, name: string): Promise<ScratchDatabase> {
  if (!/^bench_[a-z0-9_]+$/.test(name)) throw new Error(`scratch database names start with bench_: ${name}`);
  let urls: ScratchDatabase;
  if (stores.cluster) {
    urls = await withTimeout(createDatabase(stores.cluster.handle, name), 60_000, `creating database ${name}`);
  } else {
    await withClient(stores.primaryUrl, async (client) => {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`);
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    });
    urls = {
      primaryUrl: withDatabaseName(stores.primaryUrl, name),
      replicaUrls: stores.replicaUrls.map((url) => withDatabaseName(url, name)),
    };
    await waitForReplicaReplay(urls, 60_000);
  }
  await withTimeout(runMigrations(urls.primaryUrl), 60_000, `migrating database ${name}`);
  return urls;
}

/**
 * Resolves when every replica has replayed the primary's WAL up to where it was at the call:
 * `pg_last_wal_replay_lsn() >= pg_current_wal_lsn()` (of the primary, taken first).
 */
export async function waitForReplicaReplay(urls: ScratchDatabase, timeoutMs: number): Promise<{ ms: number; lsn: string }> {
  const started = Date.now();
  const lsn = await withClient(urls.primaryUrl, async (client) => {
    const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
    return rows[0].lsn;
  });
  for (const replicaUrl of urls.replicaUrls) {
    await withClient(replicaUrl, async (client) => {
      for (;;) {
        const { rows } = await client.query<{ done: boolean; at: string | null }>(
          'SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done, pg_last_wal_replay_lsn()::text AS at',
          [lsn],
        );
        if (rows[0]?.done) return;
        if (Date.now() - started > timeoutMs) {
          throw new Error(`replica ${new URL(replicaUrl).port} had replayed up to ${rows[0]?.at} after ${timeoutMs} ms, not ${lsn}`);
        }
        await sleep(20);
      }
    });
  }
  return { ms: Date.now() - started, lsn };
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
