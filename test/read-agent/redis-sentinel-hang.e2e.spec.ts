import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  expectEventLogOfAcceptedCommands,
  expectReadersToMatchPrimary,
  FleetWorkload,
  LEASE_MS,
  waitForProjections,
  type StoreUnderTest,
} from '../support/fleet-stack.js';
import { latestToken, until, waitForCheckpoint } from '../support/projection-harness.js';
import { startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { RedisFreeze } from '../support/redis-freeze.js';
import { startSentinelGroup, type SentinelGroup } from '../support/redis-sentinel.js';
import { keepReading, summary, TimedClient, type Timed } from '../support/timed-client.js';
import { signToken } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// The Redis master hangs (SIGSTOP) instead of dying: its connections stay open, so no
// client notices by itself, while the sentinels see it down and promote the replica. The
// agents ping their master; after two unanswered pings they reconnect through the
// sentinels (watchForHungMaster), so they reach the promoted replica while the old
// master is still stopped, and the projections converge there. Then the old master
// wakes up: the sentinels turn it into a replica of the new one, and nothing it held
// comes back into the views.

const BOUND_MS = 30_000;

let group: SentinelGroup;
let freeze: RedisFreeze | undefined;
let writer: WriteAgentFixture;
let reader: ReadAgentFixture;
let redisClient: Redis;
let workload: FleetWorkload;
const answers: Timed[] = [];

beforeAll(async () => {
  group = await startSentinelGroup({ downAfterMs: 1_000, failoverTimeoutMs: 5_000 });
  const sentinelEnv = { REDIS_URL: '', REDIS_SENTINELS: group.addresses, REDIS_SENTINEL_NAME: group.name };
  redisClient = group.client();
  writer = await startWriteAgent('redis_sentinel_hang', sentinelEnv);
  reader = await startReadAgent({
    DATABASE_URL: writer.db.primaryUrl,
    DATABASE_REPLICA_URLS: writer.db.replicaUrls[0]!,
    PROJECTION_LEASE_MS: String(LEASE_MS),
    ...sentinelEnv,
  });
  const [commandsToken, queriesToken] = [await signToken({ scope: 'commands:write' }), await signToken({ scope: 'queries:read' })];
  workload = new FleetWorkload(new TimedClient(writer.agent.url, commandsToken, 'command', answers), Number(process.env.FAULTS_SEED) || undefined);
  workload.queryClients = [new TimedClient(reader.agent.url, queriesToken, 'query', answers)];
  workload.readYourWrites = 0.3;
  await workload.run({ commands: 80, clients: 4 });
  await waitForProjections({ redisClient, db: writer.db }, [reader], workload.latest());
}, 180_000);

afterAll(async () => {
  freeze?.thaw();
  await reader?.stop();
  await writer?.stop();
  await group?.stop();
}, 60_000);

it('a hung master (SIGSTOP): the agents leave it for the promoted replica while it is still stopped, and converge there', async () => {
  const [oldMaster, replica] = group.servers as [SentinelGroup['servers'][0], SentinelGroup['servers'][0]];
  expect(await group.masterPort()).toBe(oldMaster.port);
  freeze = await RedisFreeze.of(oldMaster.url);
  const replicaClient = new Redis(replica.url, { maxRetriesPerRequest: 1 });
  replicaClient.on('error', () => undefined);
  const onNewMaster = new RegExp(`Redis ready: .* is [^ ]*:${replica.port}\\b`);
  const paths = [...[...workload.agents.keys()].slice(0, 3).map((id) => `/agents/${id}`), '/stats'];
  const from = answers.length;
  const before = workload.issued;
  const figures: Record<string, number> = {};

  const outage = (async () => {
    await until('some of the load', () => workload.issued >= before + 40, 30_000);
    freeze!.freeze();
    await until('a sentinel to promote the replica', async () => (await group.masterPort()) === replica.port, BOUND_MS);
    figures.promotedMs = Date.now() - freeze!.frozenAt;
    for (const [name, agent] of [['writer', writer.agent], ['reader', reader.agent]] as const) {
      await until(`the ${name} on the promoted replica`, () => agent.output().some((line) => onNewMaster.test(line)), BOUND_MS);
      figures[`${name}ReconnectedMs`] = Date.now() - freeze!.frozenAt;
    }
    await waitForCheckpoint(replicaClient, latestToken(workload.tokens), BOUND_MS);
    figures.projectedMs = Date.now() - freeze!.frozenAt;
    // All of this happened while the old master was still stopped.
    expect(freeze!.frozen).toBe(true);
    await sleep(500);
  })();
  const reading = { done: false };
  const reads = keepReading(paths, workload.queryClients, reading);
  try {
    await workload.run({ commands: 200, clients: 4, until: outage });
    await outage;
  } finally {
    reading.done = true;
    await reads;
  }

  // The old master wakes up and is made a replica of the promoted one.
  freeze.thaw();
  const oldMasterClient = new Redis(oldMaster.url, { maxRetriesPerRequest: 1 });
  oldMasterClient.on('error', () => undefined);
  try {
    await until('the old master to become a replica', async () => /role:slave/.test(await oldMasterClient.info('replication').catch(() => '')), BOUND_MS);
  } finally {
    oldMasterClient.disconnect();
    replicaClient.disconnect();
  }
  await until('the test client on the promoted replica', async () => (await redisClient.ping().catch(() => null)) === 'PONG', BOUND_MS);

  const run = answers.slice(from);
  const commands = run.filter((answer) => answer.kind === 'command');
  const queries = run.filter((answer) => answer.kind === 'query');
  console.log(`redis sentinel, master hung: ${JSON.stringify({ ...figures, commands: summary(commands), queries: summary(queries) })}`);

  const stores: StoreUnderTest = { redisClient, db: writer.db };
  await waitForProjections(stores, [reader], workload.latest(), BOUND_MS);
  await expectEventLogOfAcceptedCommands(writer.db, workload.accepted);
  await expectReadersToMatchPrimary(stores, [reader]);
  expect(workload.unexpected.slice(0, 10)).toEqual([]);
  expect(commands.filter((answer) => answer.status >= 500).slice(0, 10), 'commands answered 5xx').toEqual([]);
  expect(queries.filter((answer) => answer.status !== 200).slice(0, 10), 'queries not answered 200').toEqual([]);
  expect(workload.ownReads.stale.slice(0, 10)).toEqual([]);
}, 180_000);
