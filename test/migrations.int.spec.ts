import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '@app/local-stack';
import { runMigrations } from '../migrations/data-source.js';

const ALL = ['InitialSchema1764115200000', 'OpenTasksIndex1764979200000', 'RelayLease1765000000000', 'TaskDeadlines1765100000000', 'LogClock1765200000000'];

/** A new, empty database on the primary (replicas are not needed here). */
async function emptyDatabase(prefix: string): Promise<string> {
  const name = `${prefix}_${randomUUID().slice(0, 8)}`;
  const urls = await createDatabase({ primaryUrl: inject('primaryUrl'), replicaUrls: [] }, name);
  return urls.primaryUrl;
}

async function appliedMigrations(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>('SELECT name FROM schema_migrations ORDER BY id');
    return rows.map((row) => row.name);
  } finally {
    await client.end();
  }
}

describe('runMigrations', () => {
  it('applies the schema once on a fresh database, then finds nothing to do', async () => {
    const url = await emptyDatabase('migrate_twice');
    expect(await runMigrations(url)).toEqual(ALL);
    expect(await runMigrations(url)).toEqual([]);
    expect(await appliedMigrations(url)).toEqual(ALL);
  });

  it('lets two concurrent runs both succeed, with the schema applied exactly once', async () => {
    const url = await emptyDatabase('migrate_concurrently');
    const results = await Promise.all([runMigrations(url), runMigrations(url)]);
    expect(results.flat()).toEqual(ALL);
    expect(await appliedMigrations(url)).toEqual(ALL);
  });
});

describe('the migrated schema', () => {
  let sql: pg.Pool;

  beforeAll(async () => {
    const url = await emptyDatabase('schema');
    await runMigrations(url);
    sql = new pg.Pool({ connectionString: url, max: 2 });
  });
  afterAll(async () => {
    await sql?.end();
  });

  const insertAgent = (name: string, status: 'active' | 'paused' | 'retired') =>
    sql.query(
      `INSERT INTO agents (id, name, version, status, config, revision, created_at, updated_at)
       VALUES ($1, $2, '1', $3, '{}', 1, now(), now())`,
      [randomUUID(), name, status],
    );

  const insertEvent = () =>
    sql.query(
      `INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
       VALUES ('agent', $1, 1, 'AgentRegistered', '{}', '{}', now()) RETURNING position`,
      [randomUUID()],
    );

  it('refuses UPDATE, DELETE and TRUNCATE on the event log', async () => {
    const { rows } = await insertEvent();
    const position = rows[0].position;
    await expect(sql.query(`UPDATE events SET type = 'Changed' WHERE position = $1`, [position])).rejects.toThrow(/append-only/);
    await expect(sql.query('DELETE FROM events WHERE position = $1', [position])).rejects.toThrow(/append-only/);
    await expect(sql.query('TRUNCATE events')).rejects.toThrow(/append-only/);
    const after = await sql.query('SELECT type FROM events WHERE position = $1', [position]);
    expect(after.rows).toEqual([{ type: 'AgentRegistered' }]);
  });

  it('still appends to the event log', async () => {
    const first = await insertEvent();
    const second = await insertEvent();
    expect(BigInt(second.rows[0].position)).toBeGreaterThan(BigInt(first.rows[0].position));
  });

  it('numbers events on the log clock: the transaction id, plus an offset that realigning raises past the log and never lowers', async () => {
    const txOf = async () => BigInt((await sql.query(`INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
       VALUES ('agent', $1, 1, 'AgentRegistered', '{}', '{}', now()) RETURNING tx_id::text AS tx, pg_current_xact_id()::text AS xid, log_xid_offset() AS offset`, [randomUUID()])).rows.map((row) => {
      expect(BigInt(row.tx)).toBe(BigInt(row.xid) + BigInt(row.offset));
      return row.tx;
    })[0]);
    const before = await txOf();
    // On the cluster that wrote the log the offset stays 0.
    expect((await sql.query('SELECT log_clock_realign() AS offset')).rows[0].offset).toBe('0');
    // As after a restore from a cluster far ahead: a log id 10^9 above the counter.
    await sql.query('ALTER TABLE events DISABLE TRIGGER USER');
    await sql.query(`UPDATE events SET tx_id = (tx_id::text::bigint + 1000000000)::text::xid8 WHERE tx_id = $1::xid8`, [before.toString()]);
    await sql.query('ALTER TABLE events ENABLE TRIGGER USER');
    const raised = BigInt((await sql.query('SELECT log_clock_realign() AS offset')).rows[0].offset);
    expect(raised).toBeGreaterThan(999_000_000n);
    const after = await txOf();
    expect(after).toBeGreaterThan(before + 1_000_000_000n);
    // The cut is the snapshot's xmin on the same clock; it passes the moved event once the
    // transactions older than the realignment (other test files share the cluster) end.
    const cut = async () => {
      const { rows } = await sql.query(`SELECT log_xmin()::text AS cut, pg_snapshot_xmin(pg_current_snapshot())::text AS xmin, log_xid_offset() AS offset`);
      expect(BigInt(rows[0].cut)).toBe(BigInt(rows[0].xmin) + BigInt(rows[0].offset));
      return BigInt(rows[0].cut);
    };
    const deadline = Date.now() + 10_000;
    while ((await cut()) <= before + 1_000_000_000n && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
    expect(await cut()).toBeGreaterThan(before + 1_000_000_000n);
    // Realigning again, or with the log now below the clock, never lowers it.
    expect(BigInt((await sql.query('SELECT log_clock_realign() AS offset')).rows[0].offset)).toBe(raised);
  });

  it('refuses two agents that are not retired named A and a', async () => {
    await insertAgent('Crawler-A', 'active');
    await expect(insertAgent('crawler-a', 'active')).rejects.toMatchObject({ code: '23505', constraint: 'agents_live_name_key' });
    await expect(insertAgent('CRAWLER-A', 'paused')).rejects.toMatchObject({ code: '23505', constraint: 'agents_live_name_key' });
  });

  it('allows the name again once the other agent is retired', async () => {
    await insertAgent('Indexer-B', 'retired');
    await insertAgent('indexer-b', 'retired');
    await expect(insertAgent('INDEXER-B', 'active')).resolves.toMatchObject({ rowCount: 1 });
  });

  it('has the indexes the commands and the read side rely on', async () => {
    const { rows } = await sql.query<{ indexname: string; indexdef: string }>(
      `SELECT indexname, indexdef FROM pg_indexes
       WHERE schemaname = 'public' AND tablename IN ('agents', 'tasks', 'events', 'idempotency_keys')`,
    );
    const names = rows.map((row) => row.indexname);
    expect(names).toEqual(
      expect.arrayContaining([
        'agents_pkey',
        'agents_live_name_key',
        'agents_created_idx',
        'agents_status_created_idx',
        'tasks_pkey',
        'tasks_created_idx',
        'tasks_agent_created_idx',
        'tasks_status_created_idx',
        'tasks_type_created_idx',
        'tasks_agent_status_created_idx',
        'tasks_open_agent_idx',
        'events_pkey',
        'events_aggregate_revision_key',
        'events_tx_order_idx',
        'idempotency_keys_pkey',
        'idempotency_keys_created_idx',
      ]),
    );
    const definition = (name: string) => rows.find((row) => row.indexname === name)!.indexdef;
    expect(definition('agents_live_name_key')).toMatch(/^CREATE UNIQUE INDEX .* \(lower\(\(name\)::text\)\) WHERE \(\(status\)::text <> 'retired'::text\)$/);
    expect(definition('events_aggregate_revision_key')).toMatch(/UNIQUE INDEX .*\(aggregate_id, revision\)/);
    expect(definition('tasks_agent_status_created_idx')).toMatch(/\(agent_id, status, created_at DESC, id DESC\)/);
    expect(definition('idempotency_keys_pkey')).toMatch(/\(subject, key\)/);
    expect(definition('tasks_open_agent_idx')).toMatch(/\(agent_id\) WHERE \(\(status\)::text = ANY \(.*'pending'.*'running'.*\)\)$/);
  });
});
