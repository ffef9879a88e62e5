import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePositionToken, positionCovers, type LogPosition } from '@app/domain';
import { createDatabase, startPostgresCluster, type PostgresCluster } from '@app/local-stack';
import { runMigrations } from '../../migrations/data-source.js';
import { logReads } from '../../apps/read-agent/src/event-log/log-reads.metric.js';
import { ProjectionRebuild } from '../../apps/read-agent/src/rebuild/projection-rebuild.js';
import { GENERATION_KEY, viewKeys } from '../../apps/read-agent/src/redis-views/redis-layout.js';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { HttpClient } from '../support/http-client.js';
import {
  checkpointOf,
  eventLog,
  isolatedRedis,
  startProjector,
  until,
  viewsInRedis,
  waitForCheckpoint,
  type RunningProjector,
  type TestRedis,
} from '../support/projection-harness.js';
import type { TestDatabase } from '../support/test-database.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';

// Where the projector reads the log: the tail from the primary, backlogs from the replica.
// A cluster of its own: replay on its replica is paused, which would stall the shared one's.

const BATCH = 500;
const LEASE_MS = 2_000;
/** Long enough that only wake-ups (and the re-poll after one) can explain a prompt read. */
const POLL_MS = 60_000;

let dataDir: string;
let cluster: PostgresCluster;
let db: TestDatabase;
let replica: pg.Pool;
let redis: TestRedis;
let writer: AgentProcess;
let http: HttpClient;
let running: RunningProjector[] = [];

const replayPaused = (paused: boolean) => replica.query(paused ? 'SELECT pg_wal_replay_pause()' : 'SELECT pg_wal_replay_resume()');

const projector = async (options: { batchSize?: number } = {}) => {
  const started = await startProjector(db, redis.url, { leaseMs: LEASE_MS, pollMs: POLL_MS, batchSize: BATCH, ...options });
  running.push(started);
  return started;
};

async function readsBySource(): Promise<{ primary: number; replica: number }> {
  const { values } = await logReads.get();
  const of = (source: string) => values.find((value) => value.labels.source === source)?.value ?? 0;
  return { primary: of('primary'), replica: of('replica') };
}

async function command(path: string, body: object = {}): Promise<{ id: string; position: LogPosition }> {
  const answer = await http.post(path, body);
  expect([200, 201], JSON.stringify(answer.body)).toContain(answer.status);
  return { id: answer.body.id, position: parsePositionToken(answer.body.position)! };
}

const registerAgent = () => command('/agents', { name: `agent-${Math.random().toString(36).slice(2)}`, version: '1' });

async function eventsOn(pool: pg.Pool): Promise<number> {
  return (await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM events')).rows[0].n;
}

beforeAll(async () => {
  Logger.overrideLogger(['error']);
  dataDir = await mkdtemp(join(tmpdir(), 'projector-log-source-pg-'));
  cluster = await startPostgresCluster({ dataDir, replicas: 1 });
  const urls = await createDatabase(cluster, 'log_source');
  await runMigrations(urls.primaryUrl);
  await cluster.waitForReplication();
  const sql = new pg.Pool({ connectionString: urls.primaryUrl, max: 4 });
  db = { ...urls, sql, close: () => sql.end() };
  replica = new pg.Pool({ connectionString: urls.replicaUrls[0], max: 2 });
  redis = await isolatedRedis();
  writer = await startAgent('write-agent', {
    DATABASE_URL: urls.primaryUrl,
    REDIS_URL: redis.url,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_PER_MINUTE: '0',
  });
  http = new HttpClient(writer.url, await signToken({ scope: 'commands:write' }));
}, 120_000);

beforeEach(async () => {
  await redis.client.flushall();
});

afterEach(async () => {
  await Promise.all(running.map((started) => started.stop()));
  running = [];
  await replayPaused(false);
});

afterAll(async () => {
  await writer?.stop();
  await db?.close();
  await replica?.end();
  await redis?.close();
  await cluster?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('where the projector reads the event log', () => {
  it('applies each new command within moments from the primary while the replica has replay paused', async () => {
    await projector();
    const agent = await registerAgent();
    await waitForCheckpoint(redis.client, agent.position);
    await cluster.waitForReplication();
    const replicaEvents = await eventsOn(replica);
    const generation = (await redis.client.get(GENERATION_KEY))!;
    await replayPaused(true);
    const before = await readsBySource();

    const lags: number[] = [];
    for (let i = 0; i < 20; i++) {
      const task = await command('/tasks', { agentId: agent.id, type: 'crawl.page', payload: { i } });
      lags.push(await until(`task ${i} in Redis`, async () => (await redis.client.get(viewKeys(generation).task(task.id))) !== null, 5_000));
    }

    // The replica has replayed none of them, so they can only have been read on the primary.
    expect(await eventsOn(replica)).toBe(replicaEvents);
    expect(Math.max(...lags)).toBeLessThan(1_000);
    const after = await readsBySource();
    expect(after.primary - before.primary).toBeGreaterThanOrEqual(20);
    expect(after.replica - before.replica).toBe(0);
  });

  it('reads a backlog of more than a batch from the replica, then checks the tail on the primary', async () => {
    // Appended with no wake-up while no projector runs: a backlog of several batches.
    await db.sql.query(`
      INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
      SELECT 'agent', gen_random_uuid(), 1, 'AgentRegistered',
             jsonb_build_object('name', 'backlog-' || i, 'version', '1', 'config', '{}'::jsonb), '{}', now()
      FROM generate_series(1, ${2 * BATCH + 200}) AS i`);
    await cluster.waitForReplication();
    const total = await eventsOn(db.sql);
    const { rows } = await db.sql.query(`SELECT tx_id::text AS tx, position::text AS pos FROM events ORDER BY tx_id DESC, position DESC LIMIT 1`);
    const head = { txId: BigInt(rows[0].tx), position: BigInt(rows[0].pos) };
    const before = await readsBySource();

    await projector();
    await waitForCheckpoint(redis.client, head);
    await until('the tail to be checked on the primary', async () => (await readsBySource()).primary > before.primary);

    const after = await readsBySource();
    // Every full batch, and the short one at the replica's end, from the replica; then one
    // read of the primary finds nothing more.
    expect(after.replica - before.replica).toBe(Math.floor(total / BATCH) + 1);
    expect(after.primary - before.primary).toBe(1);
    expect(Object.keys((await viewsInRedis(redis.client)).agents).length).toBeGreaterThan(2 * BATCH + 200);
  });

  it('reads an announced event soon after an older transaction that announces nothing ends', async () => {
    await projector();
    const agent = await registerAgent();
    await waitForCheckpoint(redis.client, agent.position);
    const open = new pg.Client({ connectionString: db.primaryUrl });
    await open.connect();
    try {
      // An older transaction id in flight hides every later commit from a gap-safe read.
      await open.query('BEGIN');
      await open.query('SELECT pg_current_xact_id()');
      const task = await command('/tasks', { agentId: agent.id, type: 'crawl.page' });
      await new Promise((done) => setTimeout(done, 200));
      const held = await checkpointOf(redis.client);
      expect(held !== null && positionCovers(held, task.position)).toBe(false);

      await open.query('ROLLBACK');
      const waited = await until('the held-back event to be applied', async () => {
        const checkpoint = await checkpointOf(redis.client);
        return checkpoint !== null && positionCovers(checkpoint, task.position);
      }, 5_000);
      expect(waited).toBeLessThan(500);
    } finally {
      await open.end();
    }
  });

  it('rebuilds from the replica, reading only the last stretch before the swap on the primary', async () => {
    const log = eventLog(db);
    try {
      const total = await eventsOn(db.sql);
      const before = await readsBySource();
      await new ProjectionRebuild(redis.client, log.reader, { leaseMs: LEASE_MS, batchSize: 200 }).run();
      const after = await readsBySource();
      expect(after.replica - before.replica).toBeGreaterThanOrEqual(Math.ceil(total / 200));
      expect(after.primary - before.primary).toBe(1);
    } finally {
      await log.close();
    }
  });

  it('swaps in a rebuilt generation no older than the views it replaces while the replica lags', async () => {
    await projector();
    const agent = await registerAgent();
    await waitForCheckpoint(redis.client, agent.position);
    await cluster.waitForReplication();
    await replayPaused(true);
    let latest = agent.position;
    for (let i = 0; i < 5; i++) latest = (await command('/tasks', { agentId: agent.id, type: 'crawl.page' })).position;
    await waitForCheckpoint(redis.client, latest);
    const live = await viewsInRedis(redis.client);
    const oldGeneration = await redis.client.get(GENERATION_KEY);

    const log = eventLog(db);
    try {
      const result = await new ProjectionRebuild(redis.client, log.reader, { leaseMs: LEASE_MS, batchSize: 200 }).run();
      expect(result.previousGeneration).toBe(oldGeneration);
    } finally {
      await log.close();
    }
    expect(await viewsInRedis(redis.client)).toStrictEqual(live);
    expect(positionCovers((await checkpointOf(redis.client))!, latest)).toBe(true);
  });
});
