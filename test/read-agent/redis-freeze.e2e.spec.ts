import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectEventLogOfAcceptedCommands,
  expectReadersToMatchPrimary,
  FleetWorkload,
  startFleetStack,
  waitForProjections,
  type FleetStack,
} from '../support/fleet-stack.js';
import { HttpClient } from '../support/http-client.js';
import { latestToken, until, waitForCheckpoint } from '../support/projection-harness.js';
import { startReadAgent } from '../support/read-agent-fixture.js';
import { RedisFreeze } from '../support/redis-freeze.js';
import { countBy, keepReading, summary, TimedClient, type Timed } from '../support/timed-client.js';
import { signToken } from '../support/tokens.js';
import { startWriteAgent } from '../support/write-agent-fixture.js';

// Redis stops answering without closing its connections (SIGSTOP of the private
// redis-server of a fleet: a write agent, two read agents) under a mixed load of commands
// and queries, then wakes up (SIGCONT). Commands do not need Redis and queries fall back
// to the replica or the primary: every answer within ANSWER_BOUND_MS, none a 5xx. Once
// thawed, the projector resumes by itself and the views converge to the primary. And an
// agent told to stop while Redis is frozen still exits cleanly, its Redis calls bounded.

const ANSWER_BOUND_MS = 2_000;
const FREEZE_MS = 5_000;
const CONVERGE_BOUND_MS = 20_000;

let stack: FleetStack;
let freeze: RedisFreeze;
let workload: FleetWorkload;
let queryClients: HttpClient[];
const answers: Timed[] = [];

beforeAll(async () => {
  stack = await startFleetStack('redis_freeze');
  freeze = await RedisFreeze.of(stack.redis.url);
  const [commandsToken, queriesToken] = [await signToken({ scope: 'commands:write' }), await signToken({ scope: 'queries:read' })];
  workload = new FleetWorkload(new TimedClient(stack.writer.agent.url, commandsToken, 'command', answers), Number(process.env.FAULTS_SEED) || undefined);
  queryClients = stack.readers.map((reader) => new TimedClient(reader.agent.url, queriesToken, 'query', answers));
  workload.queryClients = queryClients;
  workload.readYourWrites = 0.3;
  await workload.run({ commands: 150, clients: 6 });
  await waitForProjections(stack, stack.readers, workload.latest());
}, 120_000);

afterAll(async () => {
  freeze?.thaw();
  await stack?.stop();
});

const seed = () => `seed ${workload.seed} (FAULTS_SEED=${workload.seed} seeds the choices again; their interleaving varies)`;

describe('Redis stops answering (SIGSTOP) under load, then wakes up (SIGCONT)', () => {
  it('answers every command and query within 2 s, none a 5xx, and converges to the primary after the thaw', async () => {
    const agentIds = [...workload.agents.keys()].slice(0, 4);
    const taskIds = [...workload.tasks.keys()].slice(0, 4);
    const paths = [...agentIds.map((id) => `/agents/${id}`), ...taskIds.map((id) => `/tasks/${id}`), '/stats', '/tasks?limit=5'];
    const from = answers.length;
    const before = workload.issued;
    let resumedMs = 0;

    const outage = (async () => {
      await until('some of the load', () => workload.issued >= before + 100, 30_000);
      freeze.freeze();
      await sleep(FREEZE_MS);
      freeze.thaw();
      // The projector resumes by itself: every command accepted up to the thaw is projected.
      await waitForCheckpoint(stack.redisClient, latestToken(workload.tokens), CONVERGE_BOUND_MS);
      resumedMs = Date.now() - freeze.thawedAt;
      await sleep(500); // load goes on past the thaw
    })();
    const reading = { done: false };
    const reads = keepReading(paths, queryClients, reading);
    try {
      await workload.run({ commands: 300, clients: 6, until: outage });
      await outage;
    } finally {
      freeze.thaw();
      reading.done = true;
      await reads;
    }
    const thawedAt = freeze.thawedAt;

    const run = answers.slice(from);
    const during = run.filter((answer) => answer.at >= freeze.frozenAt && answer.at < thawedAt);
    const commands = run.filter((answer) => answer.kind === 'command');
    const queries = run.filter((answer) => answer.kind === 'query');
    const figures = {
      freezeMs: thawedAt - freeze.frozenAt,
      projectedMsAfterThaw: resumedMs,
      commands: summary(commands),
      queries: summary(queries),
      duringFreeze: {
        commands: summary(during.filter((answer) => answer.kind === 'command')),
        queries: summary(during.filter((answer) => answer.kind === 'query')),
        querySources: countBy(during.filter((answer) => answer.kind === 'query').map((answer) => answer.source)),
      },
      ownReads: { made: workload.ownReads.made, bySource: workload.ownReads.bySource },
    };

    const caughtUp = await waitForProjections(stack, stack.readers, workload.latest(), CONVERGE_BOUND_MS).catch((error: Error) => {
      throw new Error(`${error.message}; ${JSON.stringify(figures)}`);
    });
    await expectEventLogOfAcceptedCommands(stack.db, workload.accepted);
    await expectReadersToMatchPrimary(stack, stack.readers);
    console.log(`redis frozen under load: ${JSON.stringify({ ...figures, caughtUpMsAfterLoad: caughtUp })}; ${seed()}`);

    expect(workload.unexpected.slice(0, 10), seed()).toEqual([]);
    expect(workload.ownReads.stale.slice(0, 10), seed()).toEqual([]);
    expect(workload.ownReads.unavailable, 'own reads answered 503').toBe(0);
    const slow = run.filter((answer) => answer.ms > ANSWER_BOUND_MS).map((answer) => `${answer.method} ${answer.path} ${answer.status} in ${answer.ms} ms`);
    expect(slow.slice(0, 10), `answers over ${ANSWER_BOUND_MS} ms`).toEqual([]);
    expect(run.filter((answer) => answer.status >= 500).slice(0, 10)).toEqual([]);
    expect(queries.filter((answer) => answer.status !== 200).slice(0, 10)).toEqual([]);
    // The freeze was under load, and queries kept being answered, from the databases.
    expect(figures.duringFreeze.commands.requests).toBeGreaterThan(20);
    // Once the breaker had its say, and answered before the thaw (a trial read may get its answer from the thawed Redis).
    const duringQueries = during.filter(
      (answer) => answer.kind === 'query' && answer.at >= freeze.frozenAt + ANSWER_BOUND_MS && answer.at + answer.ms < thawedAt,
    );
    expect(duringQueries.length).toBeGreaterThan(20);
    expect(duringQueries.filter((answer) => answer.source !== 'replica' && answer.source !== 'primary').slice(0, 10)).toEqual([]);
  }, 120_000);

  it('an agent stopped (SIGTERM) while Redis is frozen exits 0 within 5 s', async () => {
    const writer = await startWriteAgent('redis_freeze_stop', { REDIS_URL: stack.redis.url });
    const reader = await startReadAgent({
      DATABASE_URL: writer.db.primaryUrl,
      DATABASE_REPLICA_URLS: writer.db.replicaUrls[0]!,
      REDIS_URL: stack.redis.url,
    });
    try {
      // Something for the Redis connections to be busy with as it freezes.
      await writer.http.post('/agents', { name: `stopping-${Date.now()}`, version: '1' });
      freeze.freeze();
      await sleep(300);
      const stopping = Date.now();
      const codes = await Promise.all([writer.agent.stop(), reader.agent.stop()]);
      const stoppedMs = Date.now() - stopping;
      console.log(`SIGTERM while Redis is frozen: exit codes ${codes.join(', ')} after ${stoppedMs} ms`);
      expect(codes).toEqual([0, 0]);
      expect(stoppedMs).toBeLessThan(5_000);
    } finally {
      freeze.thaw();
      await writer.stop();
      await reader.stop();
    }
  }, 90_000);
});
