import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect } from 'vitest';
import { positionCovers, parsePositionToken, type LogPosition } from '@app/domain';
import { startRedisServer, type RedisServer } from '@app/local-stack';
import { RedisConnection } from '@app/platform';
import type { EventLogReader } from '@app/event-log';
import { EventLogSource } from '../../apps/read-agent/src/event-log/event-log.source.js';
import { projectorLogReader } from '../../apps/read-agent/src/event-log/projector-log-reader.js';
import { DatabaseHistory } from '../../apps/read-agent/src/event-log/database-history.js';
import { Projector } from '../../apps/read-agent/src/projector/projector.js';
import { GENERATION_KEY, viewKeys } from '../../apps/read-agent/src/redis-views/redis-layout.js';
import type { AgentView, StatsView, TaskView } from '../../apps/read-agent/src/read-model/views.js';
import type { HttpClient } from './http-client.js';
import type { TestDatabase } from './test-database.js';

export interface TestRedis {
  url: string;
  /** A plain client for assertions. */
  client: Redis;
  /** The private server (to stop or restart Redis). */
  server: RedisServer;
  close(): Promise<void>;
}

/**
 * Projection keys are global (cqrs:...), so each test file gets a private redis-server;
 * without one on PATH the tests fail rather than touch a Redis they do not own.
 */
export async function isolatedRedis(): Promise<TestRedis> {
  const server = await startRedisServer();
  if (!server) throw new Error('redis-server is not on PATH: these tests need a private Redis of their own');
  const client = new Redis(server.url, { maxRetriesPerRequest: 3 });
  client.on('error', () => undefined);
  return {
    url: server.url,
    client,
    server,
    close: async () => {
      client.disconnect();
      await server.stop();
    },
  };
}

/** A reader of the test database's event log (replica first unless a read asks for the primary). */
export function eventLog(db: TestDatabase): { reader: EventLogReader; close: () => Promise<void> } {
  const source = new EventLogSource(db);
  return { reader: projectorLogReader(source), close: () => source.onApplicationShutdown() };
}

export interface RunningProjector {
  projector: Projector;
  log: EventLogReader;
  /** Stops and releases the lease. */
  stop(): Promise<void>;
  /** Stops without releasing the lease, as a crashed process would. */
  kill(): Promise<void>;
}

/** A real projector in this process, on its own Redis connection and pools. */
export async function startProjector(
  db: TestDatabase,
  redisUrl: string,
  options: { leaseMs?: number; pollMs?: number; batchSize?: number; startWhileConnecting?: boolean } = {},
): Promise<RunningProjector> {
  const connection = new RedisConnection({ url: redisUrl });
  if (!options.startWhileConnecting) await new Promise((ready) => connection.client!.once('ready', ready));
  const source = new EventLogSource(db);
  const log = projectorLogReader(source);
  const projector = new Projector(connection, log, new DatabaseHistory(source), {
    leaseMs: options.leaseMs ?? 2_000,
    pollMs: options.pollMs ?? 500,
    batchSize: options.batchSize ?? 500,
  });
  projector.start();
  const close = async () => {
    await source.onApplicationShutdown();
    await connection.onApplicationShutdown();
  };
  return {
    projector,
    log,
    stop: async () => {
      await projector.stop();
      await close();
    },
    kill: async () => {
      await projector.abandon();
      await close();
    },
  };
}

export async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 10));
  }
  return Date.now() - started;
}

export async function checkpointOf(redis: Redis): Promise<LogPosition | null> {
  const generation = await redis.get(GENERATION_KEY);
  const token = generation ? await redis.get(viewKeys(generation).checkpoint) : null;
  return token ? parsePositionToken(token)! : null;
}

export async function waitForCheckpoint(redis: Redis, token: LogPosition, timeoutMs = 15_000): Promise<void> {
  await until(`the checkpoint to cover ${token.txId}.${token.position}`, async () => {
    const checkpoint = await checkpointOf(redis);
    return checkpoint !== null && positionCovers(checkpoint, token);
  }, timeoutMs);
}

export interface Views {
  agents: Record<string, AgentView>;
  tasks: Record<string, TaskView>;
  stats: StatsView | null;
}

/** Every view of the current generation (or of `generation`). */
export async function viewsInRedis(redis: Redis, generation?: string): Promise<Views> {
  const gen = generation ?? (await redis.get(GENERATION_KEY));
  if (!gen) return { agents: {}, tasks: {}, stats: null };
  const keys = viewKeys(gen);
  const load = async <V>(pattern: string) => {
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      found.push(...batch);
    } while (cursor !== '0');
    const values = found.length ? await redis.mget(...found) : [];
    return Object.fromEntries(values.map((value) => JSON.parse(value!) as V & { id: string }).map((view) => [view.id, view]));
  };
  const stats = await redis.get(keys.stats);
  return {
    agents: await load<AgentView>(keys.agent('*')),
    tasks: await load<TaskView>(keys.task('*')),
    stats: stats ? JSON.parse(stats) : null,
  };
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

/**
 * The views an agent and a task row stand for (docs/api.md), written out here rather than
 * taken from the product's row mappers: an oracle must not share the code it checks.
 */
function expectedAgentView(row: any, tasks: AgentView['tasks']): AgentView {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    status: row.status,
    config: row.config,
    revision: row.revision,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    tasks,
  };
}

function expectedTaskView(row: any): TaskView {
  return {
    id: row.id,
    agentId: row.agent_id,
    type: row.type,
    status: row.status,
    payload: row.payload,
    result: row.result,
    error: row.error,
    revision: row.revision,
    createdAt: iso(row.created_at)!,
    startedAt: iso(row.started_at),
    completedAt: iso(row.completed_at),
  };
}

/** The same views, computed from the primary's state tables. */
export async function viewsOnPrimary(db: TestDatabase): Promise<Views> {
  const counts = () => ({ pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, total: 0 });
  const stats: StatsView = { agents: { active: 0, paused: 0, retired: 0, total: 0 }, tasks: counts() };
  const agents: Record<string, AgentView> = {};
  for (const row of (await db.sql.query(`SELECT * FROM agents`)).rows) {
    agents[row.id] = expectedAgentView(row, counts());
    stats.agents[row.status as 'active'] += 1;
    stats.agents.total += 1;
  }
  const tasks: Record<string, TaskView> = {};
  for (const row of (await db.sql.query(`SELECT * FROM tasks`)).rows) {
    tasks[row.id] = expectedTaskView(row);
    for (const bucket of [agents[row.agent_id].tasks, stats.tasks]) {
      bucket[row.status as 'pending'] += 1;
      bucket.total += 1;
    }
  }
  return { agents, tasks, stats: Object.keys(agents).length ? stats : null };
}

export async function expectViewsToMatchPrimary(redis: Redis, db: TestDatabase): Promise<Views> {
  const [actual, expected] = await Promise.all([viewsInRedis(redis), viewsOnPrimary(db)]);
  expect(Object.keys(actual.agents).length).toBe(Object.keys(expected.agents).length);
  expect(Object.keys(actual.tasks).length).toBe(Object.keys(expected.tasks).length);
  expect(actual).toStrictEqual(expected);
  return actual;
}

/** The token covering every answer: the largest in the log's read order. */
export function latestToken(tokens: string[]): LogPosition {
  return tokens
    .map((token) => parsePositionToken(token)!)
    .reduce((latest, next) => (positionCovers(latest, next) ? latest : next));
}

/**
 * Commands of every kind, issued ten at a time so that their transactions interleave:
 * about 2.5 per task (a few hundred with the default 100 tasks). Resolves with the
 * position tokens of the answers.
 */
export async function runWorkload(http: HttpClient, { agents: agentCount = 6, tasks: taskCount = 100 } = {}): Promise<string[]> {
  const tokens: string[] = [];
  const ok = async (request: Promise<{ status: number; body: any }>) => {
    const answer = await request;
    expect([200, 201], JSON.stringify(answer.body)).toContain(answer.status);
    tokens.push(answer.body.position);
    return answer.body.id as string;
  };
  const inChunks = async <T>(items: T[], run: (item: T) => Promise<unknown>) => {
    for (let i = 0; i < items.length; i += 10) await Promise.all(items.slice(i, i + 10).map(run));
  };
  const share = (fraction: number) => Math.round(taskCount * fraction);

  const agents = await Promise.all(
    Array.from({ length: agentCount }, (_, i) =>
      ok(http.post('/agents', { name: `agent-${randomUUID()}`, version: '1.0', config: { slot: i } })),
    ),
  );
  const tasks: string[] = [];
  await inChunks(Array.from({ length: taskCount }, (_, i) => i), async (i) => {
    tasks.push(await ok(http.post('/tasks', { agentId: agents[i % agents.length], type: 'crawl.page', payload: { i } })));
  });
  const started = tasks.slice(0, share(0.7));
  await inChunks(started, (id) => ok(http.post(`/tasks/${id}/start`)));
  await inChunks(started.slice(0, share(0.25)), (id) => ok(http.post(`/tasks/${id}/complete`, { result: { pages: 3 } })));
  await inChunks(started.slice(share(0.25), share(0.4)), (id) => ok(http.post(`/tasks/${id}/fail`, { error: 'timeout' })));
  await inChunks([...started.slice(share(0.4), share(0.5)), ...tasks.slice(share(0.9))], (id) =>
    ok(http.post(`/tasks/${id}/cancel`, { reason: 'not needed' })),
  );
  await inChunks(agents, (id) => ok(http.patch(`/agents/${id}`, { version: '2.0', config: { tuned: true } })));
  await inChunks(agents.slice(0, Math.ceil(agents.length / 2)), (id) => ok(http.post(`/agents/${id}/pause`)));
  await ok(http.post(`/agents/${agents[0]}/resume`));
  const idle = await ok(http.post('/agents', { name: `idle-${randomUUID()}`, version: '1' }));
  await ok(http.post(`/agents/${idle}/retire`));
  return tokens;
}
