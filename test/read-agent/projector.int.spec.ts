import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOG_START } from '@app/event-log';
import { applyBatch } from '../../apps/read-agent/src/projections/apply-event.js';
import { ProjectorLease } from '../../apps/read-agent/src/projector/projector-lease.js';
import { poisonEvents } from '../../apps/read-agent/src/projector/projection-metrics.js';
import { ProjectionRebuild } from '../../apps/read-agent/src/rebuild/projection-rebuild.js';
import { ProjectionStore } from '../../apps/read-agent/src/redis-views/projection-store.js';
import { FENCE_KEY, GENERATION_KEY, LEASE_KEY, viewKeys } from '../../apps/read-agent/src/redis-views/redis-layout.js';
import {
  checkpointOf,
  eventLog,
  expectViewsToMatchPrimary,
  isolatedRedis,
  latestToken,
  runWorkload,
  startProjector,
  until,
  viewsInRedis,
  waitForCheckpoint,
  type RunningProjector,
  type TestRedis,
} from '../support/projection-harness.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

const LEASE_MS = 2_000;

let fx: WriteAgentFixture;
let redis: TestRedis;
let running: RunningProjector[] = [];

const projector = async () => {
  const started = await startProjector(fx.db, redis.url, { leaseMs: LEASE_MS });
  running.push(started);
  return started;
};

/** Some more commands (a few hundred when `full`), and waits until the projection covers them. */
async function writeAndProject(size: 'full' | 'small' = 'small') {
  const tokens = await runWorkload(fx.http, size === 'full' ? {} : { agents: 3, tasks: 20 });
  await waitForCheckpoint(redis.client, latestToken(tokens));
}

beforeAll(async () => {
  Logger.overrideLogger(['error']);
  redis = await isolatedRedis();
  fx = await startWriteAgent('projector', { REDIS_URL: redis.url });
});
beforeEach(async () => {
  await redis.client.flushall();
});
afterEach(async () => {
  await Promise.all(running.map((started) => started.stop()));
  running = [];
});
afterAll(async () => {
  await fx?.stop();
  await redis?.close();
});

describe('projector', () => {
  it('projects a few hundred commands into views equal to the state on the primary', async () => {
    const started = await projector();
    await writeAndProject('full');
    const views = await expectViewsToMatchPrimary(redis.client, fx.db);
    expect(Object.keys(views.tasks).length).toBeGreaterThanOrEqual(100);
    expect(started.projector.isLeader).toBe(true);
  });

  it('started while its Redis connection is still opening, waits for it instead of failing a first attempt', async () => {
    const warn = vi.spyOn(Logger.prototype, 'warn');
    try {
      const started = await startProjector(fx.db, redis.url, { leaseMs: LEASE_MS, startWhileConnecting: true });
      running.push(started);
      await until('the projector to hold the lease', () => started.projector.isLeader);
      expect(warn.mock.calls.filter(([message]) => String(message).includes('projection paused'))).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });

  it('changes nothing when a batch is applied again', async () => {
    await projector();
    await writeAndProject();
    await running.pop()!.stop();
    const before = await viewsInRedis(redis.client);
    const generation = (await redis.client.get(GENERATION_KEY))!;
    const checkpoint = await checkpointOf(redis.client);

    const log = eventLog(fx.db);
    const events = await log.reader.readAfter(LOG_START, 300).finally(log.close);
    const store = new ProjectionStore(redis.client);
    const views = await store.load(generation, events);
    expect(applyBatch(views, events)).toEqual([]);
    expect(views.changes()).toStrictEqual({ agents: [], tasks: [], stats: null });

    const lease = new ProjectorLease(redis.client, LEASE_MS);
    const acquisition = await lease.tryAcquire();
    expect(acquisition.acquired).toBe(true);
    const outcome = await store.commit({ generation, views, poison: [], last: events.at(-1)! }, { owner: lease.owner! });
    await lease.release();
    expect(outcome.status).toBe('already-applied');
    expect(await viewsInRedis(redis.client)).toStrictEqual(before);
    expect(await checkpointOf(redis.client)).toEqual(checkpoint);
  });

  it('after its Redis lost the last batches (a failover to a replica behind), applies them again from the checkpoint Redis has', async () => {
    const started = await projector();
    await writeAndProject();
    // What a replica that stopped receiving the replication stream here would hold.
    const projectionKeys = async () => (await redis.client.keys('cqrs:*')).filter((key) => key !== LEASE_KEY && key !== FENCE_KEY);
    const snapshot = await Promise.all((await projectionKeys()).map(async (key) => [key, await redis.client.dumpBuffer(key)] as const));
    const behind = await checkpointOf(redis.client);
    await writeAndProject();
    // The failover: every projection key back as it was, the lease as it is (it was
    // replicated in time), so the holder goes on with the session it has in memory.
    await redis.client.del(...(await projectionKeys()));
    for (const [key, dump] of snapshot) await redis.client.restore(key, 0, dump!, 'REPLACE');
    expect(await checkpointOf(redis.client)).toEqual(behind);
    expect(started.projector.isLeader).toBe(true);

    await writeAndProject();
    await expectViewsToMatchPrimary(redis.client, fx.db);
  });

  it('records a poison event, skips it and applies the events after it', async () => {
    await projector();
    const poisonedBefore = (await poisonEvents.get()).values[0]?.value ?? 0;
    const unknownTask = randomUUID();
    const { rows } = await fx.db.sql.query(
      `INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
       VALUES ('task', $1, 2, 'TaskStarted', $2, '{}', now()) RETURNING position::text, tx_id::text`,
      [unknownTask, JSON.stringify({ agentId: randomUUID() })],
    );
    await writeAndProject();

    const generation = (await redis.client.get(GENERATION_KEY))!;
    const recorded = await redis.client.hget(viewKeys(generation).poison, rows[0].position);
    expect(JSON.parse(recorded!)).toEqual({ type: 'TaskStarted', aggregateId: unknownTask, error: expect.stringMatching(/never submitted/) });
    expect((await poisonEvents.get()).values[0].value).toBe(poisonedBefore + 1);
    await expectViewsToMatchPrimary(redis.client, fx.db);
  });

  it('lets only one of two projectors hold the lease, and the other take over within the lease time when the holder dies', async () => {
    const [first, second] = [await projector(), await projector()];
    await until('a holder', () => first.projector.isLeader || second.projector.isLeader);
    await new Promise((done) => setTimeout(done, LEASE_MS / 2));
    expect([first, second].filter((started) => started.projector.isLeader)).toHaveLength(1);

    const [holder, standby] = first.projector.isLeader ? [first, second] : [second, first];
    running = running.filter((started) => started !== holder);
    await holder.kill();
    const takeoverMs = await until('the standby to take over', () => standby.projector.isLeader, LEASE_MS * 2);
    // The lease expires at most LEASE_MS after the last renewal; the slack is scheduling delay.
    expect(takeoverMs).toBeLessThan(LEASE_MS + 500);

    await writeAndProject();
    await expectViewsToMatchPrimary(redis.client, fx.db);
  });

  it('refuses a fenced write from a holder whose lease has expired', async () => {
    const store = new ProjectionStore(redis.client);
    const generation = await store.ensureGeneration();
    const stale = new ProjectorLease(redis.client, LEASE_MS);
    await until('the lease to be free', async () => (await stale.tryAcquire()).acquired);
    // The stale holder is paused past its lease time; someone else acquires meanwhile.
    await redis.client.pexpire(LEASE_KEY, 1);
    await new Promise((done) => setTimeout(done, 5));
    const current = new ProjectorLease(redis.client, LEASE_MS);
    expect((await current.tryAcquire()).acquired).toBe(true);

    const before = await viewsInRedis(redis.client);
    const last = { txId: 1n, position: 1n, aggregateType: 'agent', aggregateId: randomUUID(), revision: 1, type: 'AgentPaused', data: {}, occurredAt: new Date().toISOString() };
    const views = await store.load(generation, []);
    expect(await store.commit({ generation, views, poison: [], last }, { owner: stale.owner! })).toEqual({ status: 'lease-lost' });
    expect(await viewsInRedis(redis.client)).toStrictEqual(before);
    expect(await redis.client.get(viewKeys(generation).checkpoint)).toBeNull();
    await current.release();
  });

  it('steps down when its lease is taken, and writes nothing more', async () => {
    const started = await projector();
    await writeAndProject();
    const thief = new ProjectorLease(redis.client, LEASE_MS);
    await redis.client.del(LEASE_KEY);
    expect((await thief.tryAcquire()).acquired).toBe(true);
    thief.keepAlive(() => undefined);
    const checkpoint = await checkpointOf(redis.client);

    await runWorkload(fx.http, { agents: 2, tasks: 10 });
    await until('the old holder to step down', () => !started.projector.isLeader, LEASE_MS * 2);
    expect(await checkpointOf(redis.client)).toEqual(checkpoint);
    await thief.release();
    await until('the projection to catch up again', async () => (await checkpointOf(redis.client)) !== checkpoint);
  });

  it('rebuilds identical views into a new generation and swaps it in while a projector runs', async () => {
    await projector();
    await writeAndProject();
    const oldGeneration = (await redis.client.get(GENERATION_KEY))!;
    const before = await expectViewsToMatchPrimary(redis.client, fx.db);

    const lines: string[] = [];
    const rebuild = new ProjectionRebuild(redis.client, running[0].log, { leaseMs: LEASE_MS, batchSize: 200, report: (line) => lines.push(line) });
    const result = await rebuild.run();

    expect(result.generation).not.toBe(oldGeneration);
    expect(result.previousGeneration).toBe(oldGeneration);
    expect(await redis.client.get(GENERATION_KEY)).toBe(result.generation);
    expect(await viewsInRedis(redis.client)).toStrictEqual(before);
    expect(await redis.client.keys(`cqrs:g:${oldGeneration}:*`)).toEqual([]);
    expect(result.deletedKeys).toBeGreaterThan(20);
    expect(lines.join('\n')).toMatch(/events\/s/);

    await writeAndProject();
    await expectViewsToMatchPrimary(redis.client, fx.db);
  });

  it('starts again from position zero when Redis comes back empty', async () => {
    await projector();
    await writeAndProject();
    await redis.server.restart();
    expect(await redis.client.get(GENERATION_KEY)).toBeNull();
    await writeAndProject();
    expect(await redis.client.get(GENERATION_KEY)).toBe('1');
    await expectViewsToMatchPrimary(redis.client, fx.db);
  });
});
