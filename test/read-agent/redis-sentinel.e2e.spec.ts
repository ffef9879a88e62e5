import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatPositionToken, type LogPosition } from '@app/domain';
import { runNodeProgram } from '@app/local-stack';
import { LEASE_KEY } from '../../apps/read-agent/src/redis-views/redis-layout.js';
import { runAgentToExit } from '../support/agent-process.js';
import {
  expectEventLogOfAcceptedCommands,
  expectReadersToMatchPrimary,
  FleetWorkload,
  LEASE_MS,
  waitForProjections,
  type StoreUnderTest,
} from '../support/fleet-stack.js';
import type { HttpClient } from '../support/http-client.js';
import { checkpointOf, latestToken, until, waitForCheckpoint } from '../support/projection-harness.js';
import { startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { startSentinelGroup, type SentinelGroup } from '../support/redis-sentinel.js';
import { countBy, keepReading, summary, TimedClient, type Timed } from '../support/timed-client.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// The agents follow a Sentinel-managed Redis (REDIS_SENTINELS, REDIS_SENTINEL_NAME): a
// master, one replica and three sentinels (quorum 2, down-after 1 s), all real processes
// on loopback. Under a load of commands and queries the master is SIGKILLed; a sentinel
// promotes the replica. Queries keep answering 200 from the PostgreSQL replica or primary
// meanwhile, commands keep answering (they do not need Redis), every agent reconnects to
// the promoted replica by itself, and the projections converge to the primary, although
// the promoted replica may lack the last batches the projector wrote (asynchronous
// replication; the test makes sure of it by closing the replica's link just before the
// kill): its checkpoint then goes back and the events after it are applied again, which
// changes nothing (views equal the primary, none ahead of it).

const RECOVERY_BOUND_MS = 30_000;
const CONVERGE_BOUND_MS = 20_000;

let group: SentinelGroup;
let redisClient: Redis;
let writer: WriteAgentFixture;
const readers: ReadAgentFixture[] = [];
let stores: StoreUnderTest;
let workload: FleetWorkload;
let queryClients: HttpClient[];
let sentinelEnv: Record<string, string>;
const answers: Timed[] = [];

beforeAll(async () => {
  group = await startSentinelGroup({ downAfterMs: 1_000, failoverTimeoutMs: 5_000 });
  // REDIS_URL empty counts as unset (the fixture would set the shared test Redis).
  sentinelEnv = { REDIS_URL: '', REDIS_SENTINELS: group.addresses, REDIS_SENTINEL_NAME: group.name };
  redisClient = group.client();
  writer = await startWriteAgent('redis_sentinel', sentinelEnv);
  for (let i = 0; i < 2; i++) {
    readers.push(
      await startReadAgent({
        DATABASE_URL: writer.db.primaryUrl,
        DATABASE_REPLICA_URLS: writer.db.replicaUrls[0]!,
        PROJECTION_LEASE_MS: String(LEASE_MS),
        ...sentinelEnv,
      }),
    );
  }
  stores = { redisClient, db: writer.db };
  const [commandsToken, queriesToken] = [await signToken({ scope: 'commands:write' }), await signToken({ scope: 'queries:read' })];
  workload = new FleetWorkload(new TimedClient(writer.agent.url, commandsToken, 'command', answers), Number(process.env.FAULTS_SEED) || undefined);
  queryClients = readers.map((reader) => new TimedClient(reader.agent.url, queriesToken, 'query', answers));
  workload.queryClients = queryClients;
  workload.readYourWrites = 0.3;
  await workload.run({ commands: 150, clients: 6 });
  await waitForProjections(stores, readers, workload.latest());
}, 180_000);

afterAll(async () => {
  // Agents first (they would only log reconnection attempts), then sentinels and servers,
  // whatever the tests did.
  await Promise.all(readers.map((reader) => reader.stop()));
  await writer?.stop();
  await group?.stop();
}, 60_000);

const seed = () => `seed ${workload.seed} (FAULTS_SEED=${workload.seed} seeds the choices again; their interleaving varies)`;
const token = (position: LogPosition | null) => (position ? formatPositionToken(position) : 'none');
const behind = (a: LogPosition | null, b: LogPosition | null) =>
  b !== null && (a === null || a.txId < b.txId || (a.txId === b.txId && a.position < b.position));

describe('Sentinel fails the Redis master over (SIGKILL of the master) under load', () => {
  it('answers every query 200 and every command without a 5xx, reconnects by itself and converges to the primary', async () => {
    const [oldMaster, replica] = group.servers as [SentinelGroup['servers'][0], SentinelGroup['servers'][0]];
    expect(await group.masterPort()).toBe(oldMaster.port);
    const replicaClient = new Redis(replica.url, { maxRetriesPerRequest: 1 });
    replicaClient.on('error', () => undefined);
    const masterClient = new Redis(oldMaster.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    masterClient.on('error', () => undefined);
    const agentIds = [...workload.agents.keys()].slice(0, 4);
    const taskIds = [...workload.tasks.keys()].slice(0, 4);
    const paths = [...agentIds.map((id) => `/agents/${id}`), ...taskIds.map((id) => `/tasks/${id}`), '/stats', '/tasks?limit=5'];
    const from = answers.length;
    const before = workload.issued;
    const logLinesBefore = readers.map((reader) => reader.agent.output().length);
    let killAt = 0;
    let promotedAt = 0;
    let redisAgainAt = 0;
    let projectedAt = 0;
    let checkpointAtKill: LogPosition | null = null;
    let checkpointOfReplica: LogPosition | null = null;

    const outage = (async () => {
      await until('some of the load', () => workload.issued >= before + 100, 30_000);
      // Replication is asynchronous: make the replica miss the projector's last batches, as
      // a lagging one would. The master stops accepting replication (its default user loses
      // PSYNC, SYNC and REPLCONF, which the agents do not use), the replica's link is
      // closed, and the master is killed once a batch went to it alone.
      await masterClient.call('ACL', 'SETUSER', 'default', '-psync', '-sync', '-replconf');
      await masterClient.call('CLIENT', 'KILL', 'TYPE', 'replica');
      await until(
        'a batch on the master that the replica lacks',
        async () => {
          const links = /connected_slaves:(\d+)/.exec(await masterClient.info('replication'))?.[1];
          checkpointAtKill = await checkpointOf(masterClient);
          return links === '0' && behind(await checkpointOf(replicaClient), checkpointAtKill);
        },
        10_000,
      );
      killAt = Date.now();
      oldMaster.kill();
      // What the promoted replica will start from: nobody can write to it before the promotion.
      checkpointOfReplica = await checkpointOf(replicaClient);
      await until('a sentinel to promote the replica', async () => (await group.masterPort()) === replica.port, RECOVERY_BOUND_MS);
      promotedAt = Date.now();
      await until(
        'a query served from Redis again',
        () => answers.some((answer) => answer.kind === 'query' && answer.at >= killAt && answer.source === 'redis'),
        RECOVERY_BOUND_MS,
      );
      // The projector resumes on the new master: every command accepted so far is projected.
      await waitForCheckpoint(replicaClient, latestToken(workload.tokens), CONVERGE_BOUND_MS);
      projectedAt = Date.now();
      await sleep(500); // load goes on past the recovery
    })();
    const reading = { done: false };
    const reads = keepReading(paths, queryClients, reading);
    try {
      await workload.run({ commands: 300, clients: 6, until: outage });
      await outage;
    } catch (error) {
      const tail = (agent: { output(): string[] }) => agent.output().filter((line) => !line.includes('"request completed"')).slice(-25).join('\n');
      throw new Error(`${(error as Error).message}\nwriter:\n${tail(writer.agent)}\nreader 0:\n${tail(readers[0]!.agent)}\nreader 1:\n${tail(readers[1]!.agent)}`);
    } finally {
      reading.done = true;
      await reads;
      replicaClient.disconnect();
      masterClient.disconnect();
    }
    // The assertions' client follows the sentinels too: on the promoted replica by now.
    await until('the test client on the promoted replica', async () => (await redisClient.ping().catch(() => null)) === 'PONG', RECOVERY_BOUND_MS);

    const run = answers.slice(from);
    const commands = run.filter((answer) => answer.kind === 'command');
    const queries = run.filter((answer) => answer.kind === 'query');
    const fromRedisAgain = queries.filter((answer) => answer.at >= killAt && answer.source === 'redis');
    redisAgainAt = Math.min(...fromRedisAgain.map((answer) => answer.at + answer.ms));
    const outageQueries = queries.filter((answer) => answer.at >= killAt && answer.at + answer.ms < redisAgainAt);
    const readerLogs = readers.map((reader, index) => reader.agent.output().slice(logLinesBefore[index]));
    const figures = {
      promotedMsAfterKill: promotedAt - killAt,
      firstQueryFromRedisMsAfterKill: redisAgainAt - killAt,
      projectedMsAfterKill: projectedAt - killAt,
      checkpoint: { atKill: token(checkpointAtKill), ofPromotedReplica: token(checkpointOfReplica), wentBack: behind(checkpointOfReplica, checkpointAtKill) },
      refusedBatches: readerLogs.map((lines) => lines.filter((line) => line.includes('checkpoint-moved')).length),
      leaseAcquisitions: readerLogs.map((lines) => lines.filter((line) => line.includes('holds the projector lease')).length),
      commands: summary(commands),
      queries: summary(queries),
      untilRedisAgain: { queries: summary(outageQueries), sources: countBy(outageQueries.map((answer) => answer.source)) },
      ownReads: { made: workload.ownReads.made, bySource: workload.ownReads.bySource },
    };
    console.log(`redis sentinel failover under load: ${JSON.stringify(figures)}; ${seed()}`);

    // The promoted replica lacked the last batches: the projector had to apply them again.
    expect(figures.checkpoint.wentBack, 'the checkpoint of the promoted replica is behind the master\'s at the kill').toBe(true);
    // Every agent reconnected to the promoted replica by itself (its connection logs the node).
    const onNewMaster = new RegExp(`Redis ready: .* is [^ ]*:${replica.port}\\b`);
    for (const [name, agent] of [['writer', writer.agent], ['reader 0', readers[0]!.agent], ['reader 1', readers[1]!.agent]] as const) {
      await until(`the ${name} to reconnect to the promoted replica`, () => agent.output().some((line) => onNewMaster.test(line)), RECOVERY_BOUND_MS).catch(
        (error: Error) => {
          throw new Error(`${error.message}; its Redis log lines: ${agent.output().filter((line) => line.includes('Redis')).slice(-10).join('\n')}`);
        },
      );
    }
    await waitForProjections(stores, readers, workload.latest(), CONVERGE_BOUND_MS);
    await expectEventLogOfAcceptedCommands(writer.db, workload.accepted);
    await expectReadersToMatchPrimary(stores, readers);
    // One projector holds the lease at the end, one of the two readers.
    const owner = await redisClient.get(LEASE_KEY);
    expect(readers.filter((reader) => owner?.includes(`:${reader.agent.pid}:`)).length, `lease held as ${owner}`).toBe(1);

    expect(workload.unexpected.slice(0, 10), seed()).toEqual([]);
    expect(commands.filter((answer) => answer.status >= 500).slice(0, 10), 'commands answered 5xx').toEqual([]);
    expect(queries.filter((answer) => answer.status !== 200).slice(0, 10), 'queries not answered 200').toEqual([]);
    expect(workload.ownReads.stale.slice(0, 10), seed()).toEqual([]);
    expect(workload.ownReads.unavailable, 'own reads answered 503').toBe(0);
    // The outage was under load, and queries were answered from the databases meanwhile.
    expect(commands.filter((answer) => answer.at >= killAt && answer.at < redisAgainAt).length).toBeGreaterThan(20);
    expect(outageQueries.length).toBeGreaterThan(20);
    expect(outageQueries.filter((answer) => answer.source !== 'replica' && answer.source !== 'primary').slice(0, 10)).toEqual([]);
  }, 180_000);

  it('npm run projections:rebuild follows the sentinels too, and leaves views equal to the primary', async () => {
    const { code, output } = await runNodeProgram({
      entry: resolve(import.meta.dirname, '../../dist/apps/read-agent/src/rebuild-projections.js'),
      env: {
        PATH: process.env.PATH,
        DATABASE_URL: writer.db.primaryUrl,
        DATABASE_REPLICA_URLS: writer.db.replicaUrls[0]!,
        PROJECTION_LEASE_MS: String(LEASE_MS),
        ...sentinelEnv,
      },
      timeoutMs: 60_000,
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/generation \d+ is live/);
    await expectReadersToMatchPrimary(stores, readers);
  }, 90_000);

  it.each(['write-agent', 'read-agent'] as const)('the %s refuses REDIS_URL and REDIS_SENTINELS together, in one line saying so', async (agent) => {
    const { code, output } = await runAgentToExit(agent, {
      DATABASE_URL: writer.db.primaryUrl,
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_SENTINELS: group.addresses,
      REDIS_SENTINEL_NAME: group.name,
    });
    const lines = output.split('\n').filter((line) => line.trim().length > 0);
    expect(code, output).not.toBe(0);
    expect(code, 'killed instead of exiting').not.toBeNull();
    expect(lines, output).toEqual([
      'Invalid environment: REDIS_URL and REDIS_SENTINELS are both set: set REDIS_URL for one Redis, or REDIS_SENTINELS with REDIS_SENTINEL_NAME to follow a Sentinel-managed one, not both',
    ]);
  }, 60_000);
});
