import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, startPostgresCluster, type PostgresCluster } from '@app/local-stack';
import { runMigrations } from '../../migrations/data-source.js';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { HttpClient } from '../support/http-client.js';
import { expectProblem } from '../support/problem.js';
import { startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { startTogether } from '../support/start-together.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';

// A cluster of its own (the shared one must keep its replica running): replay on its
// replica is paused and resumed, and the replica and then the whole cluster stopped.

const READ_WAIT_MS = 1_500;

let dataDir: string;
let cluster: PostgresCluster;
let urls: { primaryUrl: string; replicaUrls: string[] };
let primary: pg.Pool;
let replica: pg.Pool;
let writerProcess: AgentProcess;
let writer: HttpClient;
let reader: ReadAgentFixture;

const replayPaused = async (paused: boolean) => {
  await replica.query(paused ? 'SELECT pg_wal_replay_pause()' : 'SELECT pg_wal_replay_resume()');
};

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'read-replay-pg-'));
  cluster = await startPostgresCluster({ dataDir, replicas: 1 });
  urls = await createDatabase(cluster, 'replay');
  await runMigrations(urls.primaryUrl);
  await cluster.waitForReplication();
  primary = new pg.Pool({ connectionString: urls.primaryUrl, max: 4 });
  replica = new pg.Pool({ connectionString: urls.replicaUrls[0], max: 4 });
  // Idle connections break when the servers stop at the end; that is expected.
  for (const pool of [primary, replica]) pool.on('error', () => undefined);
  [writerProcess, reader] = await startTogether(
    () => startAgent('write-agent', { DATABASE_URL: urls.primaryUrl, AUTH_JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0' }),
    () =>
      startReadAgent({
        DATABASE_URL: urls.primaryUrl,
        DATABASE_REPLICA_URLS: urls.replicaUrls.join(','),
        READ_WAIT_MS: String(READ_WAIT_MS),
      }),
  );
  writer = new HttpClient(writerProcess.url, await signToken({ scope: 'commands:write' }));
}, 120_000);

afterAll(async () => {
  await reader?.stop();
  await writerProcess?.stop();
  await primary?.end();
  await replica?.end().catch(() => undefined);
  await cluster?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('telling whether a hot standby has replayed a transaction', () => {
  const appendEvent = async (client: pg.PoolClient | pg.Pool) => {
    const { rows } = await client.query(
      `INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
       VALUES ('agent', gen_random_uuid(), 1, 'Probe', '{}', '{}', now())
       RETURNING tx_id::text AS "txId", position::text AS position`,
    );
    return rows[0] as { txId: string; position: string };
  };
  const onReplica = async ({ txId, position }: { txId: string; position: string }) => {
    const { rows } = await replica.query(
      `SELECT pg_visible_in_snapshot($1::xid8, pg_current_snapshot()) AS "inSnapshot",
              EXISTS (SELECT 1 FROM events WHERE position = $2::bigint AND tx_id = $1::xid8) AS "rowVisible",
              pg_snapshot_xmin(pg_current_snapshot()) > $1::xid8 AS "allEnded"`,
      [txId, position],
    );
    return rows[0] as { inSnapshot: boolean; rowVisible: boolean; allEnded: boolean };
  };

  it('sees a committed transaction only once its commit is replayed', async () => {
    await replayPaused(true);
    try {
      const committed = await appendEvent(primary);
      await new Promise((done) => setTimeout(done, 200));
      expect(await onReplica(committed)).toEqual({ inSnapshot: false, rowVisible: false, allEnded: false });
      await replayPaused(false);
      await cluster.waitForReplication();
      expect(await onReplica(committed)).toEqual({ inSnapshot: true, rowVisible: true, allEnded: true });
    } finally {
      await replayPaused(false);
    }
  });

  it('finds pg_visible_in_snapshot unfit on a standby: it calls a transaction in flight visible', async () => {
    // In recovery, pg_current_snapshot() lists no in-progress transaction ids (PostgreSQL
    // keeps them in the snapshot's subxip array, which pg_snapshot does not carry), so an
    // older transaction still open on the primary looks visible once a newer one has been
    // replayed. The snapshot's xmin is right there, though: the read agent's check (every
    // transaction up to the token's has ended, SqlStore.reflects) is false for both until
    // the older one has ended, since a token covers everything before it (docs/adr/0006).
    const open = await primary.connect();
    try {
      await open.query('BEGIN');
      const inFlight = await appendEvent(open);
      const later = await appendEvent(primary);
      await cluster.waitForReplication();
      expect(await onReplica(later)).toEqual({ inSnapshot: true, rowVisible: true, allEnded: false });
      expect(await onReplica(inFlight)).toEqual({ inSnapshot: true, rowVisible: false, allEnded: false });
      await open.query('COMMIT');
      await cluster.waitForReplication();
      expect(await onReplica(inFlight)).toEqual({ inSnapshot: true, rowVisible: true, allEnded: true });
      expect(await onReplica(later)).toEqual({ inSnapshot: true, rowVisible: true, allEnded: true });
    } finally {
      open.release();
    }
  });
});

describe('X-Min-Position while the replica lags', () => {
  it('waits for the replica to replay the token, then answers from it', async () => {
    await replayPaused(true);
    try {
      const { body } = await writer.post('/agents', { name: 'waited-for', version: '1' });
      const started = Date.now();
      const pending = reader.http.get(`/agents/${body.id}`, { 'x-min-position': body.position });
      await new Promise((done) => setTimeout(done, 400));
      await replayPaused(false);
      const answer = await pending;
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-data-source')).toBe('replica');
      expect(Date.now() - started).toBeGreaterThanOrEqual(400);
      expect(Date.now() - started).toBeLessThan(READ_WAIT_MS + 1_000);
    } finally {
      await replayPaused(false);
    }
  });

  it('answers from the primary once READ_WAIT_MS has passed', async () => {
    await replayPaused(true);
    try {
      const { body } = await writer.post('/agents', { name: 'too-late', version: '1' });
      const task = await writer.post('/tasks', { agentId: body.id, type: 'crawl.page' });
      for (const path of [`/tasks/${task.body.id}`, `/tasks?agentId=${body.id}`, `/agents/${body.id}/history`]) {
        const started = Date.now();
        const answer = await reader.http.get(path, { 'x-min-position': task.body.position });
        expect(answer.status, path).toBe(200);
        expect(answer.headers.get('x-data-source'), path).toBe('primary');
        expect(Date.now() - started, path).toBeGreaterThanOrEqual(READ_WAIT_MS - 50);
      }
      // Without the header the lagging replica answers at once, with what it has.
      const stale = await reader.http.get(`/agents/${body.id}`);
      expect(stale.status).toBe(404);
      expect(stale.headers.get('x-data-source')).toBe('replica');
    } finally {
      await replayPaused(false);
    }
  });
});

describe('X-Min-Position with a token whose transaction began after another one it covers', () => {
  it('does not answer from the replica before the earlier-begun transaction is replayed there', async () => {
    const slow = (await writer.post('/agents', { name: 'began-first', version: '1' })).body.id as string;
    const fast = (await writer.post('/agents', { name: 'began-second', version: '1' })).body.id as string;
    await cluster.waitForReplication();
    const holder = await primary.connect();
    try {
      // The slow command takes its transaction id, then waits on the test's row lock.
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM agents WHERE id = $1 FOR UPDATE', [slow]);
      const slowAnswer = writer.patch(`/agents/${slow}`, { version: '2' });
      const waiting = async () =>
        (await primary.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE agents%'`)).rows[0].n;
      for (const deadline = Date.now() + 5_000; (await waiting()) === 0 && Date.now() < deadline; ) await new Promise((done) => setTimeout(done, 20));
      expect(await waiting()).toBe(1);
      // The other one (a higher transaction id) commits and reaches the replica first.
      expect((await writer.patch(`/agents/${fast}`, { version: '2' })).status).toBe(200);
      await cluster.waitForReplication();
      await replayPaused(true);
      await holder.query('COMMIT');
      const late = await slowAnswer;
      expect(late.status).toBe(200);
      // Its token is at or past the other's event, whose row the replica shows; the slow
      // command's own commit is not replayed there, so the replica must not answer.
      const history = await reader.http.get(`/agents/${slow}/history`, { 'x-min-position': late.body.position });
      expect(history.status).toBe(200);
      expect(history.body.items.map((event: { type: string }) => event.type)).toEqual(['AgentRegistered', 'AgentUpdated']);
      expect(history.headers.get('x-data-source')).toBe('primary');
    } finally {
      await replayPaused(false);
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  });
});

describe('the replica stops and comes back', () => {
  it('answers from the primary while the replica is down, and from the replica again after', async () => {
    const { body } = await writer.post('/agents', { name: 'outlives-replica', version: '1' });
    const task = await writer.post('/tasks', { agentId: body.id, type: 'crawl.page' });
    await cluster.waitForReplication();
    await replica.end();
    await cluster.stopReplica();
    const paths = [`/agents/${body.id}`, `/tasks/${task.body.id}`, '/stats', '/agents', `/tasks?agentId=${body.id}`, `/tasks/${task.body.id}/history`];
    const breakerOpen = async () =>
      /cqrs_store_breaker_state\{store="replica-0"\} 2/.test((await new HttpClient(reader.agent.url).get('/metrics')).body);
    // The breaker opens once half the calls of its 10 s window failed; until then each
    // read tries the replica first, fails fast, and the primary answers all the same.
    for (let round = 0; round < 100 && !(await breakerOpen()); round++) {
      for (const path of paths) {
        const answer = await reader.http.get(path);
        expect(answer.status, path).toBe(200);
        expect(answer.headers.get('x-data-source'), path).toBe('primary');
      }
    }
    expect(await breakerOpen()).toBe(true);
    // With the replica's breaker open nothing could catch up, so no waiting for READ_WAIT_MS.
    const started = Date.now();
    const consistent = await reader.http.get(`/tasks/${task.body.id}`, { 'x-min-position': task.body.position });
    expect(consistent.headers.get('x-data-source')).toBe('primary');
    expect(Date.now() - started).toBeLessThan(READ_WAIT_MS);
    const health = await new HttpClient(reader.agent.url).get('/health/ready');
    expect(health.status).toBe(200);
    expect(health.body.details['replica-0'].status).toBe('degraded');
    expect(health.body.details.primary.status).toBe('up');

    await cluster.startReplica();
    await cluster.waitForReplication();
    // The breaker tries the replica again after its reset timeout (2 s).
    const deadline = Date.now() + 10_000;
    let source = '';
    while (Date.now() < deadline && source !== 'replica') {
      source = (await reader.http.get(`/agents/${body.id}`)).headers.get('x-data-source')!;
      await new Promise((done) => setTimeout(done, 100));
    }
    expect(source).toBe('replica');
  });
});

describe('no database answers', () => {
  it('answers 503 with Retry-After once the whole cluster is down', async () => {
    const { body } = await writer.post('/agents', { name: 'last-one', version: '1' });
    await cluster.stop();
    for (const headers of [{}, { 'x-min-position': body.position as string }] as Array<Record<string, string>>) {
      const answer = await reader.http.get(`/agents/${body.id}`, headers);
      expectProblem(answer, 503);
      expect(answer.headers.get('retry-after')).toBe('1');
    }
    const health = await new HttpClient(reader.agent.url).get('/health/ready');
    expect(health.status).toBe(503);
  });
});
