import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, startPostgresCluster, type PostgresCluster } from '@app/local-stack';

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

/** Pids of processes whose command line mentions `dir` (Linux /proc; [] elsewhere). */
function processesOf(dir: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return entries
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe('startPostgresCluster (real primary + streaming replica)', () => {
  let dataDir: string;
  let cluster: PostgresCluster;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'local-stack-pg-'));
    cluster = await startPostgresCluster({ dataDir });
  });

  afterAll(async () => {
    await cluster?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('gives 127.0.0.1 URLs for the primary and one replica', () => {
    expect(cluster.primaryUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(cluster.replicaUrls).toHaveLength(1);
    expect(cluster.replicaUrls[0]).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    expect(cluster.replicaUrls[0]).not.toBe(cluster.primaryUrl);
  });

  it('streams a row written on the primary to the replica', async () => {
    await query(cluster.primaryUrl, 'CREATE TABLE notes (id int PRIMARY KEY, body text)');
    await query(cluster.primaryUrl, `INSERT INTO notes VALUES (1, 'hello')`);
    await cluster.waitForReplication();
    expect(await query(cluster.replicaUrls[0]!, 'SELECT body FROM notes WHERE id = 1')).toEqual([{ body: 'hello' }]);
  });

  it('has the replica in recovery and refusing writes', async () => {
    expect(await query(cluster.replicaUrls[0]!, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: true }]);
    expect(await query(cluster.primaryUrl, 'SELECT pg_is_in_recovery() AS r')).toEqual([{ r: false }]);
    await expect(query(cluster.replicaUrls[0]!, `INSERT INTO notes VALUES (2, 'nope')`)).rejects.toMatchObject({
      code: '25006', // read_only_sql_transaction
    });
  });

  it('shows the replica streaming from the primary', async () => {
    const rows = await query<{ state: string }>(cluster.primaryUrl, 'SELECT state FROM pg_stat_replication');
    expect(rows).toEqual([{ state: 'streaming' }]);
  });

  it('creates a database that becomes visible on the replica', async () => {
    const urls = await createDatabase(cluster.primaryUrl, 'orders_test');
    expect(urls.primaryUrl).toMatch(/\/orders_test$/);
    expect(urls.replicaUrls).toEqual([cluster.replicaUrls[0]!.replace(/\/postgres$/, '/orders_test')]);
    await query(urls.primaryUrl, 'CREATE TABLE t (x int)');
    await query(urls.primaryUrl, 'INSERT INTO t VALUES (42)');
    await cluster.waitForReplication();
    expect(await query(urls.replicaUrls[0]!, 'SELECT x FROM t')).toEqual([{ x: 42 }]);
    // Idempotent, and works from the URLs alone.
    expect(await createDatabase(cluster, 'orders_test')).toEqual(urls);
  });

  it('stops and restarts the replica, which then catches up', async () => {
    await cluster.stopReplica();
    await expect(query(cluster.replicaUrls[0]!, 'SELECT 1')).rejects.toThrow();
    await query(cluster.primaryUrl, `INSERT INTO notes SELECT g, 'while down' FROM generate_series(10, 1009) g`);
    await cluster.waitForReplication(); // the stopped replica is skipped
    await cluster.startReplica();
    await cluster.waitForReplication();
    expect(await query(cluster.replicaUrls[0]!, 'SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 1001 }]);
  });

  it('reuses the data directory on the next start and rebuilds a missing replica', async () => {
    const primaryPort = Number(new URL(cluster.primaryUrl).port);
    await cluster.stop();
    await rm(join(dataDir, 'replica-1'), { recursive: true, force: true });
    // A stale pid file (e.g. after SIGKILL) must not block the start.
    await writeFile(join(dataDir, 'primary', 'postmaster.pid'), `${process.pid}\n${join(dataDir, 'primary')}\n`);
    cluster = await startPostgresCluster({ dataDir, primaryPort });
    expect(cluster.primaryUrl).toBe(`postgres://postgres@127.0.0.1:${primaryPort}/postgres`);
    expect(await query(cluster.replicaUrls[0]!, 'SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 1001 }]);
  });

  it('takes over a server left running by an earlier, vanished run', async () => {
    // The earlier cluster is not stopped: as if its Node process had been SIGKILLed.
    const leftover = cluster;
    cluster = await startPostgresCluster({ dataDir });
    expect(cluster.primaryUrl).not.toBe(leftover.primaryUrl);
    await expect(query(leftover.primaryUrl, 'SELECT 1')).rejects.toThrow();
    expect(await query(cluster.replicaUrls[0]!, 'SELECT count(*)::int AS n FROM notes')).toEqual([{ n: 1001 }]);
  });

  it('stop() leaves no server process of its data directory', async () => {
    expect(processesOf(dataDir).length).toBeGreaterThan(0);
    await cluster.stop();
    expect(processesOf(dataDir)).toEqual([]);
  });
});
