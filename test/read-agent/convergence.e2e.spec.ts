import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATION_KEY, LEASE_KEY } from '../../apps/read-agent/src/redis-views/redis-layout.js';
import {
  expectEventLogOfAcceptedCommands,
  expectReadersToMatchPrimary,
  FleetWorkload,
  rebuildProjections,
  startFleetStack,
  waitForProjections,
  type FleetStack,
} from '../support/fleet-stack.js';

// Real processes only: a write agent and two read agents sharing a private Redis (their
// projectors compete for one lease) on a fresh database of the shared cluster, read
// agents on its replica. A randomized concurrent workload, then every view each read
// agent serves from Redis must equal the state on the primary, before and after a rebuild.
// Faults (Redis killed, the projector holder frozen or killed) and a rebuild under load
// are in faults.e2e.spec.ts.

let stack: FleetStack;
let workload: FleetWorkload;

beforeAll(async () => {
  stack = await startFleetStack('read_convergence');
  workload = new FleetWorkload(stack.writer.http, Number(process.env.CONVERGENCE_SEED) || undefined);
  workload.queryClients = stack.readers.map((reader) => reader.http);
});

afterAll(async () => {
  await stack?.stop();
});

describe('two read agents under a randomized concurrent workload', () => {
  it('serve, from Redis, exactly the state on the primary once caught up; and again after a rebuild', async () => {
    const seed = `seed ${workload.seed} (CONVERGENCE_SEED=${workload.seed} seeds the choices again; their interleaving varies)`;
    const started = Date.now();
    await workload.run({ commands: 2_000, clients: 8 });
    const wrote = Date.now() - started;

    expect(workload.unexpected.slice(0, 10), seed).toEqual([]);
    const statuses = workload.byStatus;
    expect(workload.issued, seed).toBeGreaterThanOrEqual(2_000);
    // Valid and invalid transitions both happened, in numbers.
    expect(workload.accepted, seed).toBeGreaterThan(1_000);
    expect(statuses[409] ?? 0, seed).toBeGreaterThan(100);
    expect(statuses[404] ?? 0, seed).toBeGreaterThan(0);
    expect(statuses[422] ?? 0, seed).toBeGreaterThan(0);
    for (const kind of ['register', 'update', 'pause', 'resume', 'retire', 'submit', 'start', 'complete', 'fail', 'cancel']) {
      expect(workload.outcomes[`${kind} 200`] ?? workload.outcomes[`${kind} 201`] ?? 0, `${kind} accepted; ${seed}`).toBeGreaterThan(0);
    }
    await expectEventLogOfAcceptedCommands(stack.db, workload.accepted);
    // Reads of one's own writes (X-Min-Position) made during the load all showed the write.
    expect(workload.ownReads.stale.slice(0, 10), seed).toEqual([]);
    expect(workload.ownReads.made).toBeGreaterThan(50);
    // With every store up, each of them is answered: none is 503.
    expect(workload.ownReads.unavailable, seed).toBe(0);

    const caughtUp = await waitForProjections(stack, stack.readers, workload.latest());
    const views = await expectReadersToMatchPrimary(stack, stack.readers);
    expect(Object.keys(views.tasks).length, seed).toBeGreaterThan(300);
    expect(views.stats!.tasks.completed * views.stats!.tasks.failed * views.stats!.tasks.cancelled).toBeGreaterThan(0);
    expect(views.stats!.agents.paused + views.stats!.agents.retired).toBeGreaterThan(0);

    const generation = await stack.redisClient.get(GENERATION_KEY);
    const rebuildStarted = Date.now();
    const { code, output } = await rebuildProjections(stack);
    const rebuilt = Date.now() - rebuildStarted;
    expect(code, output).toBe(0);
    expect(await stack.redisClient.get(GENERATION_KEY)).not.toBe(generation);
    const after = await expectReadersToMatchPrimary(stack, stack.readers);
    expect(after).toStrictEqual(views);

    console.log(
      `convergence: ${workload.issued} commands in ${wrote} ms (${JSON.stringify(statuses)}), ` +
        `projections caught up ${caughtUp} ms after the last answer, rebuild ${rebuilt} ms; ` +
        `own writes read back ${JSON.stringify(workload.ownReads.bySource)}, ${workload.ownReads.unavailable} x 503; ${seed}`,
    );
  }, 120_000);

  it('keeps one projector at a time: the lease is held by one of the two read agents', async () => {
    const owner = await stack.redisClient.get(LEASE_KEY);
    const holders = stack.readers.filter((reader) => owner?.includes(`:${reader.agent.pid}:`));
    expect(holders, `lease ${owner}`).toHaveLength(1);
  });
});
