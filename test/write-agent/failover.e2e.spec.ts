import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createDatabase, startPostgresCluster, type PostgresCluster } from '@app/local-stack';
import { runMigrations } from '../../migrations/data-source.js';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { isolatedRedis, until, viewsInRedis, viewsOnPrimary, type Views } from '../support/projection-harness.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import type { TestDatabase } from '../support/test-database.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';

// Losing the primary's machine under a load of keyed commands with client retries: the
// primary is SIGKILLed, MOVE_AFTER_MS later its streaming replica is promoted and the
// address the write agent uses (a TCP proxy standing for a Kubernetes Service) is moved
// to it. The write agent recovers by itself. With synchronous replication every command
// answered 2xx is on the new primary (RPO 0); with asynchronous replication the test
// counts what was lost. Both print RTO (kill to the first 2xx of a command sent after
// the kill) and RPO (acknowledged commands missing).

const CLIENTS = 6;
const MOVE_AFTER_MS = 2_000;
const RTO_BOUND_MS = 15_000;
const RETRY_FOR_MS = 30_000;

const port = (url: string) => Number(new URL(url).port);
const withPort = (url: string, next: number) => {
  const moved = new URL(url);
  moved.port = String(next);
  return moved.toString();
};

interface Acknowledged {
  id: string;
  /** The position token of the answer. */
  position: string;
  sentAt: number;
  answeredAt: number;
  attempts: number;
}

interface Setup {
  dataDir: string;
  cluster: PostgresCluster;
  proxy: TcpProxy;
  writer: AgentProcess;
  replicaDbUrl: string;
  token: string;
}

const running: Setup[] = [];
afterAll(async () => {
  for (const setup of running) {
    await setup.writer.stop().catch(() => undefined);
    await setup.proxy.close();
    await setup.cluster.stop().catch(() => undefined);
    await rm(setup.dataDir, { recursive: true, force: true });
  }
});

async function setUp(synchronous: boolean): Promise<Setup> {
  const dataDir = await mkdtemp(join(tmpdir(), 'failover-pg-'));
  const cluster = await startPostgresCluster({ dataDir, replicas: 1, synchronous });
  const urls = await createDatabase(cluster, 'failover');
  await runMigrations(urls.primaryUrl);
  const proxy = await startTcpProxy(port(urls.primaryUrl));
  const writer = await startAgent('write-agent', {
    DATABASE_URL: withPort(urls.primaryUrl, proxy.port),
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_PER_MINUTE: '0',
  });
  const setup = { dataDir, cluster, proxy, writer, replicaDbUrl: urls.replicaUrls[0]!, token: await signToken({ scope: 'commands:write' }) };
  running.push(setup);
  return setup;
}

async function registerOnce(setup: Setup, id: string): Promise<number> {
  const response = await fetch(`${setup.writer.url}/agents`, {
    method: 'POST',
    headers: { authorization: `Bearer ${setup.token}`, 'content-type': 'application/json', 'idempotency-key': id },
    body: JSON.stringify({ id, name: `failover-${id}`, version: '1' }),
  });
  await response.text();
  return response.status;
}

/** One keyed RegisterAgent, retried with the same key and body on 503, timeouts and broken connections. */
async function registerWithRetries(setup: Setup, id: string): Promise<Acknowledged | { refused: number }> {
  const sentAt = Date.now();
  for (let attempts = 1; Date.now() - sentAt < RETRY_FOR_MS; attempts++) {
    let status = 0;
    try {
      const response = await fetch(`${setup.writer.url}/agents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${setup.token}`, 'content-type': 'application/json', 'idempotency-key': id },
        body: JSON.stringify({ id, name: `failover-${id}`, version: '1' }),
        signal: AbortSignal.timeout(5_000),
      });
      status = response.status;
      const body = await response.text();
      if (status >= 200 && status < 300) return { id, position: JSON.parse(body).position, sentAt, answeredAt: Date.now(), attempts };
    } catch {
      // no answer: retried below
    }
    if (status !== 0 && status !== 503) return { refused: status };
    await sleep(100);
  }
  return { refused: 0 };
}

interface Run {
  acknowledged: Acknowledged[];
  refused: number[];
  killedAt: number;
  movedAt: number;
}

/** Load; kill the primary; after MOVE_AFTER_MS promote and move the address; more load. */
async function failOver(setup: Setup, beforeKill?: () => Promise<void>, afterKill?: () => void): Promise<Run> {
  const acknowledged: Acknowledged[] = [];
  const refused: number[] = [];
  const state = { done: false };
  const clients = Array.from({ length: CLIENTS }, async () => {
    while (!state.done) {
      const outcome = await registerWithRetries(setup, randomUUID());
      if ('refused' in outcome) refused.push(outcome.refused);
      else acknowledged.push(outcome);
    }
  });
  await sleep(1_500);
  await beforeKill?.();
  const killedAt = Date.now();
  await setup.cluster.crashPrimary();
  afterKill?.();
  await sleep(MOVE_AFTER_MS);
  await setup.cluster.promoteReplica(0);
  setup.proxy.moveTo(port(setup.cluster.replicaUrls[0]!));
  const movedAt = Date.now();
  const deadline = Date.now() + RTO_BOUND_MS;
  while (!acknowledged.some((ack) => ack.sentAt > movedAt) && Date.now() < deadline) await sleep(50);
  await sleep(1_000);
  state.done = true;
  await Promise.all(clients);
  return { acknowledged, refused, killedAt, movedAt };
}

/** One connection to the replica's database (the new primary, once promoted). */
async function onNode<T>(url: string, work: (sql: pg.Client) => Promise<T>): Promise<T> {
  const sql = new pg.Client({ connectionString: url });
  await sql.connect();
  try {
    return await work(sql);
  } finally {
    await sql.end();
  }
}

async function measure(setup: Setup, run: Run) {
  const ids = run.acknowledged.map((ack) => ack.id);
  const { rows } = await onNode(setup.replicaDbUrl, (sql) =>
    sql.query<{ id: string; events: number }>(
      `SELECT a.id, (SELECT count(*)::int FROM events e WHERE e.aggregate_id = a.id) AS events
       FROM agents a WHERE a.id = ANY($1::uuid[])`,
      [ids],
    ),
  );
  const found = new Map(rows.map((row) => [row.id, row.events]));
  const firstAfterKill = run.acknowledged.filter((ack) => ack.sentAt > run.killedAt).sort((a, b) => a.answeredAt - b.answeredAt)[0];
  return {
    acknowledged: ids.length,
    missing: ids.filter((id) => !found.has(id)),
    eventsPerAgent: [...new Set(found.values())],
    refused: run.refused,
    rtoMs: firstAfterKill ? firstAfterKill.answeredAt - run.killedAt : Infinity,
    retried: run.acknowledged.filter((ack) => ack.attempts > 1).length,
  };
}

describe('failover to the streaming replica, synchronous replication', () => {
  it('with no standby: answers 503 within 2 s, and 503, not 201, when an operator cancels the wait; the retries replay', async () => {
    const setup = await setUp(true);
    const primaryDbUrl = withPort(setup.replicaDbUrl, port(setup.cluster.primaryUrl));
    await setup.cluster.stopReplica(0);

    // The commit waits for a standby until the agent's query timeout gives up on it.
    const waited = randomUUID();
    const started = Date.now();
    expect(await registerOnce(setup, waited)).toBe(503);
    expect(Date.now() - started).toBeLessThan(2_000);

    // An operator cancelling the waiting backend (pg_cancel_backend) makes PostgreSQL keep
    // the commit local and report success with a WARNING: that must not become a 201.
    const cancelled = randomUUID();
    const answer = registerOnce(setup, cancelled);
    await onNode(primaryDbUrl, async (sql) => {
      for (let tries = 0; tries < 100; tries++) {
        const { rows } = await sql.query(`SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE wait_event = 'SyncRep'`);
        if (rows.length > 0) return;
        await sleep(10);
      }
      throw new Error('no backend waited for the standby');
    });
    expect(await answer).toBe(503);

    await setup.cluster.startReplica(0);
    await setup.cluster.waitForReplication();
    expect(await registerOnce(setup, waited)).toBe(201);
    expect(await registerOnce(setup, cancelled)).toBe(201);
    const { rows } = await onNode(setup.replicaDbUrl, (sql) =>
      sql.query(`SELECT aggregate_id FROM events WHERE aggregate_id = ANY($1::uuid[])`, [[waited, cancelled]]),
    );
    expect(rows).toHaveLength(2);
  }, 120_000);

  it('loses no command answered 2xx (RPO 0); the write agent recovers by itself; transaction ids go on rising', async () => {
    const setup = await setUp(true);
    const run = await failOver(setup);
    const figures = await measure(setup, run);
    console.log('failover, synchronous:', JSON.stringify({ ...figures, missing: figures.missing.length, moveAfterMs: MOVE_AFTER_MS }));

    expect(figures.acknowledged).toBeGreaterThan(20);
    expect(figures.missing).toStrictEqual([]);
    expect(figures.eventsPerAgent).toStrictEqual([1]);
    expect(figures.refused).toStrictEqual([]);
    expect(figures.rtoMs).toBeLessThan(MOVE_AFTER_MS + RTO_BOUND_MS);

    // The promoted replica continues the old primary's transaction ids: every event
    // written after the move sorts after every event written before the kill.
    const before = run.acknowledged.filter((ack) => ack.answeredAt < run.killedAt).map((ack) => ack.id);
    const after = run.acknowledged.filter((ack) => ack.sentAt > run.movedAt).map((ack) => ack.id);
    expect(after.length).toBeGreaterThan(0);
    const order = await onNode(setup.replicaDbUrl, (sql) =>
      sql.query<{ before_max: string; after_min: string }>(
        `SELECT (SELECT max(tx_id)::text FROM events WHERE aggregate_id = ANY($1::uuid[])) AS before_max,
                (SELECT min(tx_id)::text FROM events WHERE aggregate_id = ANY($2::uuid[])) AS after_min`,
        [before, after],
      ),
    );
    expect(BigInt(order.rows[0]!.after_min)).toBeGreaterThan(BigInt(order.rows[0]!.before_max));
  }, 120_000);
});

describe('failover to the streaming replica, asynchronous replication', () => {
  it('recovers by itself; what the replica had not received is lost, counted here; the read side drops what it had projected of it', async () => {
    const setup = await setUp(false);
    // A read agent projecting from the primary's address: before the kill it projects
    // commits that the replica never receives.
    const redis = await isolatedRedis();
    const reader = await startAgent('read-agent', {
      DATABASE_URL: withPort(setup.replicaDbUrl, setup.proxy.port),
      REDIS_URL: redis.url,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      RATE_LIMIT_PER_MINUTE: '0',
      PROJECTION_LEASE_MS: '1000',
    });
    const cleanUp = async () => {
      await reader.stop().catch(() => undefined);
      await redis.close();
    };
    try {
      // The replica's WAL receiver frozen for the last 500 ms before the kill, then killed
      // with the primary: the commits of that half second are acknowledged by the primary
      // and never reach the replica.
      let walReceiver: number | undefined;
      let projectedAtKill: Promise<Views> | undefined;
      const run = await failOver(
        setup,
        async () => {
          walReceiver = await onNode(setup.replicaDbUrl, async (sql) => (await sql.query<{ pid: number }>('SELECT pid FROM pg_stat_wal_receiver')).rows[0]?.pid);
          expect(walReceiver).toBeDefined();
          process.kill(walReceiver!, 'SIGSTOP');
          await sleep(500);
        },
        () => {
          process.kill(walReceiver!, 'SIGKILL');
          projectedAtKill = viewsInRedis(redis.client);
        },
      );
      const figures = await measure(setup, run);
      const lostWhileFrozen = run.acknowledged.filter((ack) => ack.answeredAt > run.killedAt - 500 && ack.answeredAt < run.killedAt).length;

      expect(figures.acknowledged).toBeGreaterThan(20);
      // Asynchronous replication acknowledged commits the replica never had.
      expect(figures.missing.length).toBeGreaterThan(0);
      expect(figures.eventsPerAgent).toStrictEqual([1]);
      expect(figures.rtoMs).toBeLessThan(MOVE_AFTER_MS + RTO_BOUND_MS);

      // The projector had applied lost commands; on the new history it starts over, and the
      // views converge to what the new primary has: none of the lost agents.
      const atKill = projectedAtKill ? (await projectedAtKill).agents : {};
      const lostButProjected = figures.missing.filter((id) => id in atKill);
      expect(lostButProjected.length).toBeGreaterThan(0);
      const newPrimary = new pg.Pool({ connectionString: setup.replicaDbUrl, max: 2 });
      try {
        const database = { sql: newPrimary } as unknown as TestDatabase;
        const convergedMs = await until(
          'the views to equal the new primary',
          async () => isDeepStrictEqual(await viewsInRedis(redis.client), await viewsOnPrimary(database)),
          30_000,
        ).catch(async (error: Error) => {
          const [inRedis, onPrimary] = await Promise.all([viewsInRedis(redis.client), viewsOnPrimary(database)]);
          const differ = Object.keys(onPrimary.agents).filter((id) => JSON.stringify(inRedis.agents[id]) !== JSON.stringify(onPrimary.agents[id]));
          const extra = Object.keys(inRedis.agents).filter((id) => !(id in onPrimary.agents));
          throw new Error(`${error.message} (${Object.keys(inRedis.agents).length} agents in Redis, ${Object.keys(onPrimary.agents).length} on the primary; ${differ.length} differ, e.g. ${JSON.stringify(inRedis.agents[differ[0]])} vs ${JSON.stringify(onPrimary.agents[differ[0]])}; ${extra.length} extra; stats ${JSON.stringify(inRedis.stats)} vs ${JSON.stringify(onPrimary.stats)}); the read agent said:\n${reader.output().filter((line) => /projector|Projector|history/i.test(line)).slice(-15).join('\n')}`);
        });
        const views = await viewsInRedis(redis.client);
        expect(views).toStrictEqual(await viewsOnPrimary(database));
        expect(figures.missing.filter((id) => id in views.agents)).toStrictEqual([]);
        const metrics = await (await fetch(`${reader.url}/metrics`)).text();
        expect(metrics).toMatch(/^cqrs_projection_history_restarts_total 1$/m);

        // The token of a lost command is refused, not answered once the new history passes it.
        const queries = { authorization: `Bearer ${await signToken({ scope: 'queries:read' })}` };
        const lost = run.acknowledged.find((ack) => ack.id === figures.missing[0])!;
        const refused = await fetch(`${reader.url}/agents/${lost.id}`, { headers: { ...queries, 'x-min-position': lost.position } });
        expect(refused.status).toBe(409);
        expect(await refused.json()).toMatchObject({ type: 'urn:problem:position-of-another-history' });
        const kept = run.acknowledged.find((ack) => ack.sentAt > run.movedAt)!;
        const read = await fetch(`${reader.url}/agents/${kept.id}`, { headers: { ...queries, 'x-min-position': kept.position } });
        expect(read.status).toBe(200);
        console.log(
          'failover, asynchronous:',
          JSON.stringify({ ...figures, missing: figures.missing.length, lostWhileFrozen, lostButProjected: lostButProjected.length, viewsConvergedMsAfterCheck: convergedMs, moveAfterMs: MOVE_AFTER_MS }),
        );
      } finally {
        await newPrimary.end();
      }
    } finally {
      await cleanUp();
    }
  }, 150_000);
});
