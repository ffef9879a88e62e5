import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATION_KEY, LEASE_KEY } from '../../apps/read-agent/src/redis-views/redis-layout.js';
import {
  expectEventLogOfAcceptedCommands,
  expectReadersToMatchPrimary,
  FleetWorkload,
  LEASE_MS,
  rebuildProjections,
  startFleetStack,
  waitForProjections,
  type FleetStack,
} from '../support/fleet-stack.js';
import { HttpClient } from '../support/http-client.js';
import { until } from '../support/projection-harness.js';
import type { ReadAgentFixture } from '../support/read-agent-fixture.js';

// The same fleet of real processes as convergence.e2e.spec.ts (a write agent, two read
// agents, a private Redis, a fresh database of the shared cluster), with faults injected
// under load: a rebuild while commands come in, Redis killed and restarted empty, the
// projector lease holder frozen (SIGSTOP) and thawed, then the holder killed (SIGKILL).
// A stopped replica is covered in replica-replay.e2e.spec.ts, on a cluster of its own.

let stack: FleetStack;
let workload: FleetWorkload;

beforeAll(async () => {
  stack = await startFleetStack('read_faults');
  workload = new FleetWorkload(stack.writer.http, Number(process.env.FAULTS_SEED) || undefined);
  workload.queryClients = stack.readers.map((reader) => reader.http);
  await workload.run({ commands: 200, clients: 8 });
  await waitForProjections(stack, stack.readers, workload.latest());
});

afterAll(async () => {
  await stack?.stop();
});

const seed = () => `seed ${workload.seed} (FAULTS_SEED=${workload.seed} seeds the choices again; their interleaving varies)`;

interface Read {
  reader: number;
  path: string;
  status: number;
  source: string | null;
  startedAt: number;
}

/** Reads views, stats and a list from every reader, round after round, until `done` is set. */
function keepReading(paths: string[], readers: ReadAgentFixture[], state: { done: boolean }): Promise<Read[]> {
  const reads: Read[] = [];
  return Promise.all(
    readers.map(async (reader, index) => {
      while (!state.done) {
        for (const path of paths) {
          const startedAt = Date.now();
          const answer = await reader.http.get(path);
          reads.push({ reader: index, path, status: answer.status, source: answer.headers.get('x-data-source'), startedAt });
        }
        await sleep(20);
      }
    }),
  ).then(() => reads);
}

const leaseHolder = async () => {
  const owner = await stack.redisClient.get(LEASE_KEY);
  return { owner, reader: stack.readers.find((reader) => owner?.includes(`:${reader.agent.pid}:`)) };
};

describe('a rebuild under load', () => {
  it('rebuilds beside the running projectors while commands keep coming, and the views converge', async () => {
    const before = workload.issued;
    const generation = await stack.redisClient.get(GENERATION_KEY);
    let rebuilding: ReturnType<typeof rebuildProjections> | undefined;
    const times = { started: 0, ended: 0 };
    const started = (async () => {
      await until('some of the load', () => workload.issued >= before + 100, 30_000);
      times.started = Date.now();
      rebuilding = rebuildProjections(stack);
      return rebuilding.finally(() => (times.ended = Date.now()));
    })();
    // Commands keep coming until the rebuild has exited, and 200 at least.
    await workload.run({ commands: 200, clients: 2, until: started });
    const { code, output } = await rebuilding!;
    expect(code, output).toBe(0);
    expect(await stack.redisClient.get(GENERATION_KEY)).not.toBe(generation);
    expect(workload.unexpected.slice(0, 10)).toEqual([]);
    expect(workload.ownReads.stale.slice(0, 10), seed()).toEqual([]);
    // The primary stays up in every scenario here, so no read of one's own write is a 503.
    expect(workload.ownReads.unavailable, seed()).toBe(0);
    await expectEventLogOfAcceptedCommands(stack.db, workload.accepted);
    const caughtUp = await waitForProjections(stack, stack.readers, workload.latest());
    const checkStarted = Date.now();
    await expectReadersToMatchPrimary(stack, stack.readers);
    console.log(
      `rebuild under load: ${workload.issued - before} commands, the rebuild process ran ${times.ended - times.started} ms, ` +
        `caught up ${caughtUp} ms after, views checked in ${Date.now() - checkStarted} ms:\n${output.trim()}`,
    );
  }, 90_000);
});

describe('Redis is killed in the middle of a load and comes back empty', () => {
  it('keeps every read answering from the databases, then converges to the primary with nothing applied twice', async () => {
    const agentIds = [...workload.agents.keys()].slice(0, 5);
    const taskIds = [...workload.tasks.keys()].slice(0, 5);
    const paths = [...agentIds.map((id) => `/agents/${id}`), ...taskIds.map((id) => `/tasks/${id}`), '/stats', '/agents?limit=5'];
    const before = workload.issued;
    const times = { killed: 0, outageFrom: 0, restarting: 0, restarted: 0 };
    const ownWrites: Array<{ path: string; status: number; source: string | null }> = [];
    const health: Array<{ status: number; body: any }> = [];

    const outage = (async () => {
      await until('half of the load', () => workload.issued >= before + 200, 30_000);
      stack.redis.kill();
      times.killed = Date.now();
      await sleep(100); // SIGKILL is asynchronous: reads from here on find Redis gone
      times.outageFrom = Date.now();
      await sleep(1_000);
      for (const reader of stack.readers) health.push(await new HttpClient(reader.agent.url).get('/health/ready'));
      // Read your own writes while Redis is down: a write accepted during the outage.
      const { body } = await stack.writer.http.post('/agents', { name: `outage-${Date.now()}`, version: '1' });
      for (const reader of stack.readers) {
        const answer = await reader.http.get(`/agents/${body.id}`, { 'x-min-position': body.position });
        ownWrites.push({ path: `/agents/${body.id}`, status: answer.status, source: answer.headers.get('x-data-source') });
      }
      workload.accepted += 1;
      workload.tokens.push(body.position);
      await sleep(1_000);
      times.restarting = Date.now();
      await stack.redis.restart();
      times.restarted = Date.now();
    })();
    const reading = { done: false };
    const reads = keepReading(paths, stack.readers, reading);
    await workload.run({ commands: 400, clients: 8, until: outage });
    await outage;
    reading.done = true;
    const answers = await reads;

    expect(workload.unexpected.slice(0, 10), seed()).toEqual([]);
    // Reads of one's own writes, during the outage too, all showed the write.
    expect(workload.ownReads.stale.slice(0, 10), seed()).toEqual([]);
    // The primary stays up in every scenario here, so no read of one's own write is a 503.
    expect(workload.ownReads.unavailable, seed()).toBe(0);
    // Reads never failed, before, during or after the outage.
    expect(answers.filter((read) => read.status !== 200).slice(0, 10)).toEqual([]);
    const during = answers.filter((read) => read.startedAt >= times.outageFrom && read.startedAt < times.restarting);
    expect(during.length).toBeGreaterThan(20);
    expect(during.filter((read) => read.source !== 'replica' && read.source !== 'primary').slice(0, 10)).toEqual([]);
    expect(ownWrites.map((read) => read.status)).toEqual([200, 200]);
    for (const read of ownWrites) expect(['replica', 'primary']).toContain(read.source);
    // Ready all the while, saying Redis is degraded (docs/api.md section 6).
    for (const { status, body } of health) {
      expect(status, JSON.stringify(body)).toBe(200);
      expect(JSON.stringify(body.details.redis)).toContain('degraded');
    }

    const caughtUp = await waitForProjections(stack, stack.readers, workload.latest(), 30_000);
    await expectEventLogOfAcceptedCommands(stack.db, workload.accepted);
    await expectReadersToMatchPrimary(stack, stack.readers);
    for (const reader of stack.readers) {
      const { status, body } = await new HttpClient(reader.agent.url).get('/health/ready');
      expect(status).toBe(200);
      expect(body.details.redis.status, JSON.stringify(body)).toBe('up');
    }
    console.log(
      `redis outage: ${workload.issued - before} commands, ${during.length} reads during the ${times.restarting - times.killed} ms outage ` +
        `(${JSON.stringify(countBy(during.map((read) => read.source)))}), caught up ${caughtUp} ms after the last command ` +
        `(${Date.now() - times.restarted} ms after the restart); ${seed()}`,
    );
  }, 90_000);
});

describe('the read agent holding the projector lease is frozen (SIGSTOP), then thawed', () => {
  it('is replaced within the lease time, and once thawed writes nothing over its successor', async () => {
    await until('a projector to hold the lease', async () => (await leaseHolder()).reader !== undefined, 10_000);
    const { owner, reader: frozen } = await leaseHolder();
    const successor = stack.readers.find((reader) => reader !== frozen)!;
    const before = workload.issued;
    workload.queryClients = [successor.http];
    const times = { frozen: 0, takenOver: 0 };

    const faults = (async () => {
      await until('some of the load', () => workload.issued >= before + 50, 30_000);
      process.kill(frozen!.agent.pid, 'SIGSTOP');
      times.frozen = Date.now();
      try {
        await until('the other read agent to take the lease', async () => {
          const now = Date.now();
          if ((await leaseHolder()).reader !== successor) return false;
          times.takenOver = now;
          return true;
        }, LEASE_MS + 10_000);
        await sleep(1_000); // the successor projects meanwhile
      } finally {
        process.kill(frozen!.agent.pid, 'SIGCONT');
      }
    })();
    // Commands keep coming through the freeze and 200 at least, so that the thawed agent
    // finds new events and a batch in hand that it must not write.
    await workload.run({ commands: 200, clients: 4, until: faults });
    await faults;
    await workload.run({ commands: 50, clients: 4 });
    workload.queryClients = stack.readers.map((reader) => reader.http);

    expect(workload.unexpected.slice(0, 10), seed()).toEqual([]);
    expect(workload.ownReads.stale.slice(0, 10), seed()).toEqual([]);
    // The primary stays up in every scenario here, so no read of one's own write is a 503.
    expect(workload.ownReads.unavailable, seed()).toBe(0);
    expect(times.takenOver - times.frozen, `lease was ${owner}`).toBeLessThan(LEASE_MS + 1_500);
    await waitForProjections(stack, stack.readers, workload.latest());
    await expectEventLogOfAcceptedCommands(stack.db, workload.accepted);
    await expectReadersToMatchPrimary(stack, stack.readers);
    expect((await leaseHolder()).reader).toBe(successor);
    console.log(`holder frozen: lease ${owner} taken over after ${times.takenOver - times.frozen} ms; ${seed()}`);
  }, 90_000);
});

describe('the read agent holding the projector lease is killed', () => {
  it('hands the projection to the other read agent within the lease time, and the views converge', async () => {
    await until('a projector to hold the lease', async () => (await leaseHolder()).reader !== undefined, 10_000);
    const { owner, reader: holder } = await leaseHolder();
    const survivor = stack.readers.find((reader) => reader !== holder)!;
    const before = workload.issued;
    workload.queryClients = [survivor.http];

    const load = workload.run({ commands: 200, clients: 4 });
    await until('some of the load', () => workload.issued >= before + 50, 30_000);
    const killedAt = Date.now();
    await holder!.agent.kill();
    let takenOverAt = 0;
    await until(
      'the other read agent to take the lease',
      async () => {
        const now = Date.now();
        const taken = (await leaseHolder()).reader === survivor;
        if (taken) takenOverAt = now;
        return taken;
      },
      LEASE_MS + 10_000,
    );
    const takeover = takenOverAt - killedAt;
    await load;

    expect(workload.unexpected.slice(0, 10), seed()).toEqual([]);
    expect(workload.ownReads.stale.slice(0, 10), seed()).toEqual([]);
    // The primary stays up in every scenario here, so no read of one's own write is a 503.
    expect(workload.ownReads.unavailable, seed()).toBe(0);
    // The lease lasts LEASE_MS without renewal; the survivor retries just after it expires.
    expect(takeover, `lease was ${owner}`).toBeLessThan(LEASE_MS + 1_500);
    const caughtUp = await waitForProjections(stack, [survivor], workload.latest());
    await expectEventLogOfAcceptedCommands(stack.db, workload.accepted);
    await expectReadersToMatchPrimary(stack, [survivor]);
    console.log(
      `holder killed: lease ${owner} taken over by pid ${survivor.agent.pid} after ${takeover} ms ` +
        `(lease ${LEASE_MS} ms), caught up ${caughtUp} ms after the last command; ${seed()}`,
    );
  }, 90_000);
});

function countBy(values: Array<string | null>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[String(value)] = (counts[String(value)] ?? 0) + 1;
  return counts;
}
