import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, readPidFile, startPostgresCluster, type PostgresCluster } from '@app/local-stack';
import { runMigrations } from '../../migrations/data-source.js';
import { startAgent } from '../support/agent-process.js';
import { HttpClient } from '../support/http-client.js';
import { startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';
import { signalAll } from '../support/signals.js';

// The first of two replicas goes away under a load of queries, on a cluster of its own
// (the shared one must keep running): a fast shutdown (connections refused), then a
// replica that accepts connections and never answers (its postmaster and backends
// SIGSTOPped). Redis is not configured, so every answer comes from a database. Every
// query is answered 2xx within ANSWER_BOUND_MS; the replica's breaker opens within
// OPEN_BOUND_MS and later reads skip it; once it is back, it answers again within
// REUSE_BOUND_MS.

const ANSWER_BOUND_MS = 2_000;
const OPEN_BOUND_MS = 6_000;
const REUSE_BOUND_MS = 10_000;
const HUNG_MS = 15_000;
const CLIENTS = 8;
/** DATABASE_REPLICA_URLS order: the first one goes away, the second answers meanwhile. */
const AWAY = 'replica-0';
const STAYS = 'replica-1';

let dataDir: string;
let cluster: PostgresCluster;
let reader: ReadAgentFixture;
let token: string;
let paths: string[];
/** Processes frozen by the SIGSTOP test; thawed in afterAll too, should it fail midway. */
const stopped: number[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'replica-outage-pg-'));
  cluster = await startPostgresCluster({ dataDir, replicas: 2 });
  const { primaryUrl, replicaUrls } = await createDatabase(cluster, 'replica_outage');
  await runMigrations(primaryUrl);
  // A few rows to read, written by the write agent as in production.
  const writer = await startAgent('write-agent', { DATABASE_URL: primaryUrl, AUTH_JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0' });
  try {
    const commands = new HttpClient(writer.url, await signToken({ scope: 'commands:write' }));
    const agent = (await commands.post('/agents', { name: 'replica-outage', version: '1' })).body.id;
    const task = (await commands.post('/tasks', { agentId: agent, type: 'crawl.page' })).body.id;
    paths = [`/agents/${agent}`, `/tasks/${task}`, '/stats', '/agents?limit=5', `/tasks?agentId=${agent}`, `/tasks/${task}/history`];
  } finally {
    await writer.stop();
  }
  await cluster.waitForReplication();
  reader = await startReadAgent({ DATABASE_URL: primaryUrl, DATABASE_REPLICA_URLS: replicaUrls.join(',') });
  token = await signToken({ scope: 'queries:read' });
}, 180_000);

afterAll(async () => {
  signalAll(stopped, 'SIGCONT');
  await reader?.stop();
  await cluster?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Query {
  path: string;
  status: number; // 0: no answer within HUNG_MS
  source: string | null;
  ms: number;
  at: number;
}

async function query(path: string): Promise<Query> {
  const at = Date.now();
  try {
    const response = await fetch(`${reader.agent.url}${path}`, {
      headers: { authorization: `Bearer ${token}` },
      signal: AbortSignal.timeout(HUNG_MS),
    });
    await response.arrayBuffer();
    return { path, status: response.status, source: response.headers.get('x-data-source'), ms: Date.now() - at, at };
  } catch {
    return { path, status: 0, source: null, ms: Date.now() - at, at };
  }
}

/** CLIENTS clients querying every path in turn until `state.done`. */
function load(state: { done: boolean }): Promise<Query[]> {
  const sent: Query[] = [];
  return Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = client; !state.done; i++) sent.push(await query(paths[i % paths.length]!));
    }),
  ).then(() => sent);
}

interface StoreState {
  /** 0 closed, 1 half-open, 2 open. */
  breaker: number;
  /** Calls the store answered so far. */
  answers: number;
}

/** The breaker state and answer count of each store, from /metrics. */
async function stores(): Promise<Record<string, StoreState>> {
  const response = await fetch(`${reader.agent.url}/metrics`, { signal: AbortSignal.timeout(HUNG_MS) });
  const text = await response.text();
  const found: Record<string, StoreState> = {};
  const entry = (store: string) => (found[store] ??= { breaker: -1, answers: 0 });
  for (const [, store, value] of text.matchAll(/^cqrs_store_breaker_state\{store="([^"]+)"\} (\S+)$/gm)) entry(store!).breaker = Number(value);
  for (const [, store, value] of text.matchAll(/^cqrs_store_answers_total\{store="([^"]+)"\} (\S+)$/gm)) entry(store!).answers = Number(value);
  return found;
}

/** Polls /metrics until `holds`; resolves with the ms since `since`, or null after `timeoutMs`. */
async function until(holds: (state: Record<string, StoreState>) => boolean, timeoutMs: number, since = Date.now()): Promise<number | null> {
  while (Date.now() - since < timeoutMs) {
    if (holds(await stores())) return Date.now() - since;
    await sleep(25);
  }
  return null;
}

const count = (sent: Query[], key: (q: Query) => string) =>
  Object.fromEntries([...new Set(sent.map(key))].sort().map((value) => [value, sent.filter((q) => key(q) === value).length]));

/** Runs the load, takes the replica away once it answers, waits for the breaker, brings it back, reports. */
async function underLoad(outage: () => Promise<void>, restore: () => Promise<void>) {
  const state = { done: false };
  const running = load(state);
  expect(await until((s) => s[AWAY]!.answers > 20 && s[STAYS]!.breaker === 0, 10_000), `${AWAY} answers before the outage`).not.toBeNull();
  const outageAt = Date.now();
  await outage();
  const openedMs = await until((s) => s[AWAY]!.breaker === 2, OPEN_BOUND_MS + 10_000, outageAt);
  // A while with the breaker open: reads skip the replica and the other one answers them.
  await sleep(1_500);
  const beforeRestore = await stores();
  await sleep(1_000);
  const whileAway = await stores();
  const restoreAt = Date.now();
  await restore();
  const restoredAt = Date.now();
  const awayAnswers = (await stores())[AWAY]!.answers;
  const usedAgainMs = await until((s) => s[AWAY]!.breaker === 0 && s[AWAY]!.answers > awayAnswers + 10, REUSE_BOUND_MS + 5_000, restoredAt);
  await sleep(500);
  state.done = true;
  const sent = await running;
  const during = sent.filter((q) => q.at >= outageAt && q.at < restoredAt);
  const figures = {
    queries: sent.length,
    byStatus: count(sent, (q) => String(q.status)),
    bySource: count(sent, (q) => `${q.status} ${q.source}`),
    duringOutage: { queries: during.length, bySource: count(during, (q) => `${q.status} ${q.source}`), slowestMs: Math.max(0, ...during.map((q) => q.ms)) },
    slowestMs: Math.max(0, ...sent.map((q) => q.ms)),
    breakerOpenedMsAfterOutage: openedMs,
    restoreMs: restoredAt - restoreAt,
    usedAgainMsAfterRestore: usedAgainMs,
    answersWhileOpen: {
      [AWAY]: whileAway[AWAY]!.answers - beforeRestore[AWAY]!.answers,
      [STAYS]: whileAway[STAYS]!.answers - beforeRestore[STAYS]!.answers,
    },
  };
  return { sent, figures, openedMs, usedAgainMs, beforeRestore, whileAway };
}

function expectServedThroughout(run: Awaited<ReturnType<typeof underLoad>>) {
  const slow = run.sent.filter((q) => q.ms > ANSWER_BOUND_MS).map((q) => `${q.path}: ${q.status} in ${q.ms} ms`);
  expect(slow.slice(0, 10), `answers over ${ANSWER_BOUND_MS} ms`).toEqual([]);
  const failed = run.sent.filter((q) => q.status < 200 || q.status > 299).map((q) => `${q.path}: ${q.status} from ${q.source}`);
  expect(failed.slice(0, 10), 'answers that are not 2xx').toEqual([]);
  expect(run.sent.filter((q) => q.source !== 'replica').length, 'answers not from a replica').toBe(0);
  expect(run.openedMs, `${AWAY}'s breaker open within ${OPEN_BOUND_MS} ms`).not.toBeNull();
  expect(run.openedMs!).toBeLessThan(OPEN_BOUND_MS);
  // While the breaker is open, the replica is not asked; the other one answers.
  expect(run.whileAway[AWAY]!.breaker, `${AWAY}'s breaker while away`).not.toBe(0);
  expect(run.figures.answersWhileOpen[AWAY]).toBe(0);
  expect(run.figures.answersWhileOpen[STAYS]).toBeGreaterThan(20);
  expect(run.whileAway[STAYS]!.breaker).toBe(0);
  expect(run.usedAgainMs, `${AWAY} answering again within ${REUSE_BOUND_MS} ms`).not.toBeNull();
  expect(run.usedAgainMs!).toBeLessThan(REUSE_BOUND_MS);
}

describe('a replica goes away under load and comes back', () => {
  it('stopped (fast shutdown): every query 2xx within 2 s from the other replica; breaker open; used again once restarted', async () => {
    const run = await underLoad(
      () => cluster.stopReplica(0),
      () => cluster.startReplica(0),
    );
    console.log(`${AWAY} stopped (fast shutdown) under ${CLIENTS} clients: ${JSON.stringify(run.figures)}`);
    expectServedThroughout(run);
  }, 90_000);

  it('stalled (SIGSTOP of its postmaster and backends): the same bounds; used again once thawed', async () => {
    const run = await underLoad(
      async () => {
        // The directory of the first replica is replica-1 (local-stack counts from 1).
        const postmaster = (await readPidFile(join(dataDir, 'replica-1', 'postmaster.pid')))!;
        const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
          .split('\n')
          .map((line) => Number(line.trim()))
          .filter((pid) => pid > 0);
        stopped.push(postmaster, ...children);
        signalAll(stopped, 'SIGSTOP');
      },
      async () => {
        signalAll(stopped, 'SIGCONT');
        stopped.length = 0;
      },
    );
    console.log(`${AWAY} stalled (SIGSTOP) under ${CLIENTS} clients: ${JSON.stringify(run.figures)}`);
    expectServedThroughout(run);
  }, 90_000);
});
