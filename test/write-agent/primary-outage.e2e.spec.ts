import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, startPostgresCluster, type PostgresCluster } from '@app/local-stack';
import { runMigrations } from '../../migrations/data-source.js';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { expectProblem } from '../support/problem.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';
import { signalAll } from '../support/signals.js';

// The primary goes away under a load of commands, on a cluster of its own (the shared
// one must keep running): an immediate shutdown (connections refused and broken), then a
// primary that accepts connections and never answers (its postmaster and every backend
// SIGSTOPped). Every command is answered within ANSWER_BOUND_MS, 2xx or a 503
// problem+json with Retry-After; readiness is 503 without internal text; the agent
// recovers by itself once the primary is back; every 2xx command is in the log once.

const ANSWER_BOUND_MS = 2_000;
const RECOVERY_BOUND_MS = 10_000;
const HUNG_MS = 15_000;
const CLIENTS = 6;

let dataDir: string;
let cluster: PostgresCluster;
let primaryUrl: string;
let writer: AgentProcess;
let token: string;
/** Processes frozen by the SIGSTOP test; thawed in afterAll too, should it fail midway. */
const stopped: number[] = [];

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'write-outage-pg-'));
  cluster = await startPostgresCluster({ dataDir, replicas: 0 });
  ({ primaryUrl } = await createDatabase(cluster, 'outage'));
  await runMigrations(primaryUrl);
  writer = await startAgent('write-agent', {
    DATABASE_URL: primaryUrl,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_PER_MINUTE: '0',
    // The default connect, statement, lock and query timeouts are under test; only the
    // idle-in-transaction bound is shortened, so that the file stays short.
    PG_IDLE_IN_TRANSACTION_TIMEOUT_MS: '3000',
  });
  token = await signToken({ scope: 'commands:write' });
}, 120_000);

afterAll(async () => {
  signalAll(stopped, 'SIGCONT');
  await writer?.stop();
  await cluster?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

interface Sent {
  id: string;
  status: number; // 0: no answer within HUNG_MS
  ms: number;
  at: number;
  contentType: string | null;
  retryAfter: string | null;
  body: any;
}

async function send(method: string, path: string, body?: unknown): Promise<Omit<Sent, 'id'>> {
  const at = Date.now();
  try {
    const response = await fetch(`${writer.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(HUNG_MS),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return {
      status: response.status,
      ms: Date.now() - at,
      at,
      contentType: response.headers.get('content-type'),
      retryAfter: response.headers.get('retry-after'),
      body: parsed,
    };
  } catch {
    return { status: 0, ms: Date.now() - at, at, contentType: null, retryAfter: null, body: undefined };
  }
}

/** CLIENTS clients registering agents (client-chosen ids) until `state.done`. */
function load(state: { done: boolean }): Promise<Sent[]> {
  const sent: Sent[] = [];
  return Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (!state.done) {
        const id = randomUUID();
        const answer = await send('POST', '/agents', { id, name: `outage-${id}`, version: '1' });
        sent.push({ id, ...answer });
        if (answer.status !== 201) await sleep(50);
      }
    }),
  ).then(() => sent);
}

const byStatus = (sent: Sent[]) =>
  Object.fromEntries([...new Set(sent.map((s) => s.status))].sort().map((status) => [status, sent.filter((s) => s.status === status).length]));

/** Every answer within the bound, 201 or a 503 problem with Retry-After; nothing else. */
function expectBoundedAnswers(sent: Sent[]) {
  const slow = sent.filter((s) => s.ms > ANSWER_BOUND_MS).map((s) => `${s.status} in ${s.ms} ms`);
  expect(slow.slice(0, 10), `answers over ${ANSWER_BOUND_MS} ms`).toEqual([]);
  const other = sent.filter((s) => s.status !== 201 && s.status !== 503).map((s) => `${s.status} ${JSON.stringify(s.body)}`);
  expect(other.slice(0, 10)).toEqual([]);
  for (const s of sent.filter((s) => s.status === 503)) {
    expectProblem({ status: s.status, headers: new Headers({ 'content-type': s.contentType ?? '' }), body: s.body }, 503);
    expect(Number(s.retryAfter), JSON.stringify(s)).toBeGreaterThanOrEqual(1);
  }
}

/** Every command answered 2xx is in the log exactly once; no command is in it twice. */
async function expectLoggedOnce(sent: Sent[]): Promise<number> {
  const client = new pg.Client({ connectionString: primaryUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; count: number }>(
      `SELECT aggregate_id::text AS id, count(*)::int AS count FROM events WHERE aggregate_id = ANY($1::uuid[]) GROUP BY aggregate_id`,
      [sent.map((s) => s.id)],
    );
    const counts = new Map(rows.map((row) => [row.id, row.count]));
    const accepted = sent.filter((s) => s.status === 201);
    expect(accepted.filter((s) => counts.get(s.id) !== 1).map((s) => `${s.id}: ${counts.get(s.id) ?? 0}`)).toEqual([]);
    expect(rows.filter((row) => row.count !== 1)).toEqual([]);
    return accepted.length;
  } finally {
    await client.end();
  }
}

async function readiness() {
  const answer = await send('GET', '/health/ready');
  return { status: answer.status, text: JSON.stringify(answer.body) };
}

/** Runs load, applies `outage` once some commands went through, restores, and reports. */
async function underLoad(name: string, outage: () => Promise<void>, restore: () => Promise<void>) {
  const state = { done: false };
  const running = load(state);
  await sleep(1_000);
  const outageAt = Date.now();
  await outage();
  await sleep(2_500);
  const ready = await readiness();
  const restoreAt = Date.now();
  await restore();
  const restoredAt = Date.now();
  // Recovered: a 201 to a request sent after the store was back.
  let recoveredAt = 0;
  const sent: Sent[] = [];
  const watch = (async () => {
    while (!recoveredAt && Date.now() - restoredAt < RECOVERY_BOUND_MS + 5_000) {
      const answer = await send('POST', '/agents', { id: randomUUID(), name: `probe-${randomUUID()}`, version: '1' });
      if (answer.status === 201 && answer.at >= restoredAt) recoveredAt = Date.now();
      else await sleep(100);
    }
  })();
  await watch;
  await sleep(500);
  state.done = true;
  sent.push(...(await running));
  const readyAfter = await readiness();
  const during = sent.filter((s) => s.at >= outageAt && s.at < restoredAt);
  const figures = {
    requests: sent.length,
    byStatus: byStatus(sent),
    duringOutage: { requests: during.length, byStatus: byStatus(during), slowestMs: Math.max(0, ...during.map((s) => s.ms)) },
    slowestMs: Math.max(0, ...sent.map((s) => s.ms)),
    restoreMs: restoredAt - restoreAt,
    recoveredMsAfterRestore: recoveredAt ? recoveredAt - restoredAt : null,
    readyDuringOutage: ready.status,
    readyAfter: readyAfter.status,
  };
  return { sent, during, ready, readyAfter, recoveredAt, restoredAt, figures };
}

describe('the primary goes away under load', () => {
  it('immediate shutdown: every command answered within 2 s, 201 or 503 + Retry-After; not ready without internal text; recovers by itself', async () => {
    const run = await underLoad(
      'immediate shutdown',
      () => cluster.stopPrimary('immediate'),
      () => cluster.startPrimary(),
    );
    const eventsChecked = await expectLoggedOnce(run.sent);
    console.log(`primary stopped (immediate shutdown) under ${CLIENTS} clients: ${JSON.stringify({ ...run.figures, eventsChecked })}`);
    expectBoundedAnswers(run.sent);
    expect(run.during.filter((s) => s.status === 503).length).toBeGreaterThan(0);
    expect(run.ready.status).toBe(503);
    expect(run.ready.text).not.toMatch(/ECONN|127\.0\.0\.1|:\d{4,5}\b|connect /);
    expect(run.recoveredAt, 'a command accepted after the primary came back').toBeGreaterThan(0);
    expect(run.recoveredAt - run.restoredAt).toBeLessThan(RECOVERY_BOUND_MS);
    expect(run.readyAfter.status).toBe(200);
  }, 90_000);

  it('a primary that accepts connections and never answers (SIGSTOP): the same bounds', async () => {
    const run = await underLoad(
      'SIGSTOP',
      async () => {
        const postmaster = (await cluster.primaryPid())!;
        // The postmaster and all its children (backends, checkpointer, walwriter...), by pid.
        const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], { encoding: 'utf8' })
          .split('\n')
          .map((line) => Number(line.trim()))
          .filter((pid) => pid > 0);
        stopped.push(postmaster, ...children);
        signalAll(stopped, 'SIGSTOP');
      },
      async () => signalAll(stopped, 'SIGCONT'),
    );
    const eventsChecked = await expectLoggedOnce(run.sent);
    console.log(
      `primary frozen (SIGSTOP of ${stopped.length} processes) under ${CLIENTS} clients: ${JSON.stringify({ ...run.figures, eventsChecked })}`,
    );
    expectBoundedAnswers(run.sent);
    expect(run.during.filter((s) => s.status === 503).length).toBeGreaterThan(0);
    expect(run.ready.status).toBe(503);
    expect(run.ready.text).not.toMatch(/ECONN|127\.0\.0\.1|:\d{4,5}\b|connect /);
    expect(run.recoveredAt, 'a command accepted after the primary was thawed').toBeGreaterThan(0);
    expect(run.recoveredAt - run.restoredAt).toBeLessThan(RECOVERY_BOUND_MS);
    expect(run.readyAfter.status).toBe(200);
  }, 90_000);
});
