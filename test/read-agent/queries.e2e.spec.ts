import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../support/problem.js';
import { HttpClient } from '../support/http-client.js';
import { isolatedRedisUrl, startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { signToken } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// Every query against a real write agent, a real read agent, the shared primary + replica
// and Redis. Expected answers are computed from the primary's rows. Reads pass the last
// write's position (X-Min-Position) so that they are deterministic whichever store answers.

let writer: WriteAgentFixture;
let reader: ReadAgentFixture;
let last = ''; // position of the latest command

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function command(method: 'POST' | 'PATCH', path: string, body?: unknown) {
  const answer = await writer.http.request(method, path, { body });
  expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(300);
  last = answer.body.position;
  return answer.body as { id: string; revision: number; position: string };
}

const registerAgent = async (config: Record<string, unknown> = {}) =>
  (await command('POST', '/agents', { name: unique('agent'), version: '1.0.0', config })).id;
const submitTask = async (agentId: string, type = 'crawl.page', payload: Record<string, unknown> = {}) =>
  (await command('POST', '/tasks', { agentId, type, payload })).id;

/** A GET that reflects every command so far. */
const read = (path: string, headers: Record<string, string> = {}) =>
  reader.http.get(path, { 'x-min-position': last, ...headers });

const iso = (value: Date | null) => (value ? value.toISOString() : null);

async function expectedTask(id: string) {
  const { rows } = await writer.db.sql.query('SELECT * FROM tasks WHERE id = $1', [id]);
  const t = rows[0];
  return {
    id: t.id,
    agentId: t.agent_id,
    type: t.type,
    status: t.status,
    payload: t.payload,
    result: t.result,
    error: t.error,
    revision: t.revision,
    createdAt: iso(t.created_at),
    startedAt: iso(t.started_at),
    completedAt: iso(t.completed_at),
  };
}

async function expectedAgent(id: string) {
  const { rows } = await writer.db.sql.query('SELECT * FROM agents WHERE id = $1', [id]);
  const a = rows[0];
  const { rows: counts } = await writer.db.sql.query(
    'SELECT status, count(*)::int AS n FROM tasks WHERE agent_id = $1 GROUP BY status',
    [id],
  );
  const tasks = { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, total: 0 } as Record<string, number>;
  for (const { status, n } of counts) {
    tasks[status] = n;
    tasks.total += n;
  }
  return {
    id: a.id,
    name: a.name,
    version: a.version,
    status: a.status,
    config: a.config,
    revision: a.revision,
    createdAt: iso(a.created_at),
    updatedAt: iso(a.updated_at),
    tasks,
  };
}

async function expectedStats() {
  const stats = {
    agents: { active: 0, paused: 0, retired: 0, total: 0 } as Record<string, number>,
    tasks: { pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, total: 0 } as Record<string, number>,
  };
  for (const table of ['agents', 'tasks'] as const) {
    const { rows } = await writer.db.sql.query(`SELECT status, count(*)::int AS n FROM ${table} GROUP BY status`);
    for (const { status, n } of rows) {
      stats[table][status] = n;
      stats[table].total += n;
    }
  }
  return stats;
}

async function expectedTaskIds(where = 'true', params: unknown[] = []) {
  const { rows } = await writer.db.sql.query(`SELECT id FROM tasks WHERE ${where} ORDER BY created_at DESC, id DESC`, params);
  return rows.map((row) => row.id as string);
}

/** Follows nextCursor to the end; returns every item. */
async function pageThrough(path: string, limit: number) {
  const items: any[] = [];
  let cursor: string | null = null;
  const separator = path.includes('?') ? '&' : '?';
  for (let pages = 0; pages < 1000; pages++) {
    const answer = await read(`${path}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.items.length).toBeLessThanOrEqual(limit);
    items.push(...answer.body.items);
    cursor = answer.body.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error('more than 1000 pages');
}

// The fleet: a busy agent with a task in every status, a paused one and a retired one.
let busy: string;
let paused: string;
let retired: string;
const tasksOf: Record<string, string> = {};

beforeAll(async () => {
  writer = await startWriteAgent('read_queries');
  reader = await startReadAgent({
    DATABASE_URL: writer.db.primaryUrl,
    DATABASE_REPLICA_URLS: writer.db.replicaUrls.join(','),
    REDIS_URL: await isolatedRedisUrl(7),
  });

  busy = await registerAgent({ region: 'eu', tags: ['a', 'b'] });
  tasksOf.pending = await submitTask(busy, 'crawl.page', { url: 'https://example.org' });
  tasksOf.running = await submitTask(busy, 'index.doc');
  tasksOf.completed = await submitTask(busy, 'crawl.page');
  tasksOf.failed = await submitTask(busy, 'index.doc');
  tasksOf.cancelled = await submitTask(busy, 'crawl.page');
  for (const id of [tasksOf.running, tasksOf.completed, tasksOf.failed]) await command('POST', `/tasks/${id}/start`);
  await command('POST', `/tasks/${tasksOf.completed}/complete`, { result: { pages: 3 } });
  await command('POST', `/tasks/${tasksOf.failed}/fail`, { error: 'timeout after 30 s' });
  await command('POST', `/tasks/${tasksOf.cancelled}/cancel`, { reason: 'not needed' });
  await command('PATCH', `/agents/${busy}`, { version: '1.1.0' });

  paused = await registerAgent();
  await submitTask(paused, 'report.build');
  await command('POST', `/agents/${paused}/pause`);
  retired = await registerAgent();
  await command('POST', `/agents/${retired}/retire`);
});

afterAll(async () => {
  await reader?.stop();
  await writer?.stop();
});

describe('GetAgent', () => {
  it('answers the agent view with its task counts, as the primary holds it', async () => {
    for (const id of [busy, paused, retired]) {
      const answer = await read(`/agents/${id}`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
      expect(answer.body).toEqual(await expectedAgent(id));
      expect(['redis', 'replica']).toContain(answer.headers.get('x-data-source'));
    }
    const answer = await read(`/agents/${busy}`);
    expect(answer.body.tasks).toEqual({ pending: 1, running: 1, completed: 1, failed: 1, cancelled: 1, total: 5 });
    expect(answer.body.config).toEqual({ region: 'eu', tags: ['a', 'b'] });
    expect(answer.body.revision).toBe(2);
  });

  it('accepts the id in upper case and answers it in lower case', async () => {
    const answer = await read(`/agents/${busy.toUpperCase()}`);
    expect(answer.status).toBe(200);
    expect(answer.body.id).toBe(busy);
  });

  it('answers ISO-8601 UTC timestamps', async () => {
    const { body } = await read(`/agents/${busy}`);
    for (const value of [body.createdAt, body.updatedAt]) {
      expect(value).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    }
  });

  it('answers 404 problem+json with X-Data-Source for an unknown id', async () => {
    const answer = await read(`/agents/${randomUUID()}`);
    expectProblem(answer, 404);
    expect(['replica', 'primary']).toContain(answer.headers.get('x-data-source'));
  });
});

describe('GetTask', () => {
  it('answers the task view in every status, as the primary holds it, with ETag "<revision>"', async () => {
    for (const id of Object.values(tasksOf)) {
      const answer = await read(`/tasks/${id.toUpperCase()}`);
      expect(answer.status).toBe(200);
      const expected = await expectedTask(id);
      expect(answer.body).toEqual(expected);
      expect(answer.headers.get('etag')).toBe(`"${expected.revision}"`);
      expect(['redis', 'replica']).toContain(answer.headers.get('x-data-source'));
    }
    const failed = await read(`/tasks/${tasksOf.failed}`);
    expect(failed.body).toMatchObject({ status: 'failed', error: 'timeout after 30 s', result: null, revision: 3 });
    expect(failed.body.startedAt).not.toBeNull();
    expect(failed.body.completedAt).not.toBeNull();
    const pending = await read(`/tasks/${tasksOf.pending}`);
    expect(pending.body).toMatchObject({ payload: { url: 'https://example.org' }, startedAt: null, completedAt: null });
  });

  it('answers 404 problem+json with X-Data-Source for an unknown id', async () => {
    const answer = await read(`/tasks/${randomUUID()}`);
    expectProblem(answer, 404);
    expect(answer.headers.get('x-data-source')).toMatch(/^(replica|primary)$/);
  });
});

describe('GetStats', () => {
  it('counts agents and tasks by status as the primary does', async () => {
    const answer = await read('/stats');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(await expectedStats());
    expect(answer.headers.get('etag')).toMatch(/^".+"$/);
    expect(['redis', 'replica']).toContain(answer.headers.get('x-data-source'));
  });
});

describe('ListAgents', () => {
  it('lists every agent view newest first, one page at a time', async () => {
    const { rows } = await writer.db.sql.query('SELECT id FROM agents ORDER BY created_at DESC, id DESC');
    const items = await pageThrough('/agents', 1);
    expect(items.map((item) => item.id)).toEqual(rows.map((row) => row.id));
    for (const item of items) expect(item).toEqual(await expectedAgent(item.id));
  });

  it('filters by status', async () => {
    for (const [status, id] of [['paused', paused], ['retired', retired], ['active', busy]] as const) {
      const answer = await read(`/agents?status=${status}`);
      expect(answer.status).toBe(200);
      expect(answer.body.items.map((item: { id: string }) => item.id)).toContain(id);
      expect(answer.body.items.every((item: { status: string }) => item.status === status)).toBe(true);
      expect(answer.headers.get('x-data-source')).toBe('replica');
    }
  });

  it('answers 20 items by default, at most `limit`, and nextCursor null on the last page', async () => {
    const many = await registerAgent();
    for (let i = 0; i < 21; i++) await registerAgent();
    const first = await read('/agents');
    expect(first.body.items).toHaveLength(20);
    expect(typeof first.body.nextCursor).toBe('string');
    expect(first.body.items[0].createdAt >= first.body.items[19].createdAt).toBe(true);
    const all = await read('/agents?limit=100');
    expect(all.body.nextCursor).toBeNull();
    expect(all.body.items.map((item: { id: string }) => item.id)).toContain(many);
  });
});

describe('ListTasks', () => {
  it('filters by agent (any letter case), status, type and their combinations, newest first', async () => {
    const cases: Array<[string, string, unknown[]]> = [
      ['', 'true', []],
      [`agentId=${busy.toUpperCase()}`, 'agent_id = $1', [busy]],
      ['status=running', `status = 'running'`, []],
      ['type=index.doc', `type = 'index.doc'`, []],
      [`agentId=${busy}&status=completed`, `agent_id = $1 AND status = 'completed'`, [busy]],
      [`agentId=${busy}&type=crawl.page`, `agent_id = $1 AND type = 'crawl.page'`, [busy]],
      ['status=pending&type=crawl.page', `status = 'pending' AND type = 'crawl.page'`, []],
      [`agentId=${busy}&status=failed&type=index.doc`, `agent_id = $1 AND status = 'failed' AND type = 'index.doc'`, [busy]],
      [`agentId=${randomUUID()}`, 'false', []],
    ];
    for (const [query, where, params] of cases) {
      const items = await pageThrough(`/tasks${query ? `?${query}` : ''}`, 2);
      expect(items.map((item) => item.id), query).toEqual(await expectedTaskIds(where, params));
      for (const item of items) expect(item).toEqual(await expectedTask(item.id));
    }
  });
});

describe('GetHistory', () => {
  it("answers an agent's own events in revision order, not its tasks'", async () => {
    const answer = await read(`/agents/${busy}/history`);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-data-source')).toBe('replica');
    expect(answer.body.items.map((event: { type: string }) => event.type)).toEqual(['AgentRegistered', 'AgentUpdated']);
    const { rows } = await writer.db.sql.query(
      'SELECT type, aggregate_id, revision, data, occurred_at FROM events WHERE aggregate_id = $1 ORDER BY revision',
      [busy],
    );
    expect(answer.body).toEqual({
      items: rows.map((row) => ({
        type: row.type,
        aggregateId: row.aggregate_id,
        revision: row.revision,
        data: row.data,
        occurredAt: row.occurred_at.toISOString(),
      })),
    });
  });

  it("answers a task's events in revision order", async () => {
    const answer = await read(`/tasks/${tasksOf.completed.toUpperCase()}/history`);
    expect(answer.status).toBe(200);
    expect(answer.body.items.map((event: { type: string; revision: number }) => [event.type, event.revision])).toEqual([
      ['TaskSubmitted', 1],
      ['TaskStarted', 2],
      ['TaskCompleted', 3],
    ]);
    expect(answer.body.items.every((event: { aggregateId: string }) => event.aggregateId === tasksOf.completed)).toBe(true);
  });

  it('answers 404 with X-Data-Source when the aggregate has no events, or is of the other kind', async () => {
    for (const path of [`/agents/${randomUUID()}/history`, `/tasks/${randomUUID()}/history`, `/agents/${tasksOf.pending}/history`]) {
      const answer = await read(path);
      expectProblem(answer, 404);
      expect(answer.headers.get('x-data-source')).toMatch(/^(replica|primary)$/);
    }
  });
});

describe('ETag and If-None-Match', () => {
  it('answers 304 without a body, with X-Data-Source, while the task is unchanged', async () => {
    const first = await read(`/tasks/${tasksOf.pending}`);
    const etag = first.headers.get('etag')!;
    for (const header of [etag, `W/${etag}`, `"999", ${etag}`, '*']) {
      const again = await read(`/tasks/${tasksOf.pending}`, { 'if-none-match': header });
      expect(again.status, header).toBe(304);
      expect(again.body).toBeUndefined();
      expect(again.headers.get('x-data-source')).toMatch(/^(redis|replica)$/);
      expect(again.headers.get('etag')).toBe(etag);
    }
    const other = await read(`/tasks/${tasksOf.pending}`, { 'if-none-match': '"999"' });
    expect(other.status).toBe(200);
  });

  it("changes the agent's ETag when its task counts change, and honours If-None-Match", async () => {
    const agent = await registerAgent();
    const before = await read(`/agents/${agent}`);
    const etag = before.headers.get('etag')!;
    expect((await read(`/agents/${agent}`, { 'if-none-match': etag })).status).toBe(304);
    await submitTask(agent);
    const after = await read(`/agents/${agent}`, { 'if-none-match': etag });
    expect(after.status).toBe(200);
    expect(after.body.tasks.pending).toBe(1);
    expect(after.body.revision).toBe(before.body.revision);
    expect(after.headers.get('etag')).not.toBe(etag);
  });

  it('gives a task a new ETag after a write, and answers the old one with 200', async () => {
    const task = await submitTask(await registerAgent());
    const before = await read(`/tasks/${task}`);
    const etag = before.headers.get('etag')!;
    expect(etag).toBe('"1"');
    await command('POST', `/tasks/${task}/start`);
    const after = await read(`/tasks/${task}`, { 'if-none-match': etag });
    expect([after.status, after.body.status, after.headers.get('etag')]).toEqual([200, 'running', '"2"']);
  });

  it('gives stats, lists and histories a new ETag after a write that changes them', async () => {
    const agent = await registerAgent();
    const task = await submitTask(agent);
    const paths = ['/stats', `/tasks?agentId=${agent}`, '/agents?status=paused', `/tasks/${task}/history`];
    const before = await Promise.all(paths.map(async (path) => (await read(path)).headers.get('etag')!));
    await command('POST', `/tasks/${task}/start`);
    await command('POST', `/agents/${agent}/pause`);
    for (const [i, path] of paths.entries()) {
      const after = await read(path, { 'if-none-match': before[i]! });
      expect(after.status, path).toBe(200);
      expect(after.headers.get('etag'), path).toMatch(/^".+"$/);
      expect(after.headers.get('etag'), path).not.toBe(before[i]);
    }
  });

  it('tags stats and lists too, and answers 304 for them', async () => {
    for (const path of ['/stats', `/tasks?agentId=${busy}`, '/agents?status=retired', `/tasks/${tasksOf.failed}/history`]) {
      const first = await read(path);
      const again = await read(path, { 'if-none-match': first.headers.get('etag')! });
      expect(again.status, path).toBe(304);
      expect(again.headers.get('x-data-source')).toBeTruthy();
    }
  });
});

describe('X-Min-Position (read your own writes)', () => {
  it('reflects the write in each of 200 write-then-read iterations', async () => {
    const agent = await registerAgent();
    let task = '';
    const sources = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      let path: string;
      let check: (body: any) => void;
      const step = i % 5;
      if (step === 0) {
        const { id, position } = await command('POST', '/tasks', { agentId: agent, type: 'loop.step', payload: { i } });
        task = id;
        path = `/tasks/${id}`;
        check = (body) => expect(body).toMatchObject({ id, status: 'pending', revision: 1, payload: { i } });
        expect(position).toBe(last);
      } else if (step === 1) {
        await command('POST', `/tasks/${task}/start`);
        path = `/tasks/${task}`;
        check = (body) => expect(body).toMatchObject({ status: 'running', revision: 2 });
      } else if (step === 2) {
        await command('POST', `/tasks/${task}/complete`, { result: { i } });
        path = `/agents/${agent}`;
        const done = Math.floor(i / 5) + 1;
        check = (body) => expect(body.tasks).toMatchObject({ completed: done, running: 0 });
      } else if (step === 3) {
        const { revision } = await command('PATCH', `/agents/${agent}`, { version: `v${i}` });
        path = `/agents/${agent}/history`;
        check = (body) => expect(body.items.at(-1)).toMatchObject({ type: 'AgentUpdated', revision, data: { version: `v${i}` } });
      } else {
        const id = await submitTask(agent, 'loop.list');
        await command('POST', `/tasks/${id}/cancel`);
        path = `/tasks?agentId=${agent}&status=cancelled&limit=1`;
        check = (body) => expect(body.items[0]).toMatchObject({ id, status: 'cancelled' });
      }
      const answer = await reader.http.get(path, { 'x-min-position': last });
      expect(answer.status, `${i} ${path}`).toBe(200);
      check(answer.body);
      const source = answer.headers.get('x-data-source')!;
      sources.set(source, (sources.get(source) ?? 0) + 1);
    }
    // Mostly the replica or Redis; the primary only when both were still behind after READ_WAIT_MS.
    expect((sources.get('replica') ?? 0) + (sources.get('redis') ?? 0)).toBeGreaterThan(150);
  });

  it('refuses a token the write agent could not have issued with 400', async () => {
    for (const token of ['garbage', '1', '0.1', '1.0', '-1.2', '1.2.3', '01.2', '1. 2', '99999999999999999999999.1']) {
      const answer = await reader.http.get(`/agents/${busy}`, { 'x-min-position': token });
      expectProblem(answer, 400, ['x-min-position']);
    }
  });

  it('answers at once without the header', async () => {
    const answer = await reader.http.get(`/agents/${busy}`);
    expect(answer.status).toBe(200);
  });
});

describe('paging while tasks are inserted', () => {
  it('neither repeats nor skips a task that existed before the first page', async () => {
    const agent = await registerAgent();
    const existing: string[] = [];
    for (let batch = 0; batch < 12; batch++) {
      existing.push(...(await Promise.all(Array.from({ length: 10 }, () => submitTask(agent, 'page.me')))));
    }
    let inserting = true;
    const inserted: string[] = [];
    const writerLoop = (async () => {
      while (inserting) inserted.push(await submitTask(agent, 'page.me'));
    })();

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const answer = await read(`/tasks?agentId=${agent}&limit=7${cursor ? `&cursor=${cursor}` : ''}`);
      expect(answer.status).toBe(200);
      seen.push(...answer.body.items.map((item: { id: string }) => item.id));
      cursor = answer.body.nextCursor;
      await new Promise((done) => setTimeout(done, 5));
    } while (cursor);
    inserting = false;
    await writerLoop;

    expect(inserted.length).toBeGreaterThan(0);
    expect(new Set(seen).size).toBe(seen.length);
    const missing = existing.filter((id) => !seen.includes(id));
    expect(missing).toEqual([]);
  });
});

describe('access and documentation', () => {
  it('needs a token with queries:read on every query route', async () => {
    const paths = ['/agents', `/agents/${busy}`, `/agents/${busy}/history`, '/tasks', `/tasks/${tasksOf.pending}`, `/tasks/${tasksOf.pending}/history`, '/stats'];
    const anonymous = new HttpClient(reader.agent.url);
    const writeOnly = anonymous.withToken(await signToken({ scope: 'commands:write' }));
    for (const path of paths) {
      expectProblem(await anonymous.get(path), 401);
      expectProblem(await writeOnly.get(path), 403);
    }
  });

  it('documents every query route with its parameters and problem answers', async () => {
    const { body } = await new HttpClient(reader.agent.url).get('/docs-json');
    const routes = ['/agents', '/agents/{id}', '/agents/{id}/history', '/tasks', '/tasks/{id}', '/tasks/{id}/history', '/stats'];
    expect(Object.keys(body.paths).sort()).toEqual([...routes].sort());
    for (const route of routes) {
      const operation = body.paths[route].get;
      expect(operation.summary).toBeTruthy();
      for (const status of ['200', '304', '400', '401', '403', '503']) expect(Object.keys(operation.responses)).toContain(status);
      expect(operation.responses['400'].content['application/problem+json']).toBeDefined();
      expect(operation.parameters.map((p: { name: string }) => p.name)).toContain('X-Min-Position');
    }
    expect(body.paths['/agents/{id}'].get.responses['404']).toBeDefined();
    const listParameters = body.paths['/tasks'].get.parameters.map((p: { name: string }) => p.name);
    expect(listParameters).toEqual(expect.arrayContaining(['agentId', 'status', 'type', 'limit', 'cursor']));
  });

  it('names each operation after its query', async () => {
    const { body } = await new HttpClient(reader.agent.url).get('/docs-json');
    const ids = Object.fromEntries(Object.entries(body.paths).map(([route, item]) => [route, (item as { get: { operationId: string } }).get.operationId]));
    expect(ids).toEqual({
      '/agents': 'listAgents',
      '/agents/{id}': 'getAgent',
      '/agents/{id}/history': 'getAgentHistory',
      '/tasks': 'listTasks',
      '/tasks/{id}': 'getTask',
      '/tasks/{id}/history': 'getTaskHistory',
      '/stats': 'getStats',
    });
  });

  it('counts answers by source and shows each breaker state in /metrics', async () => {
    const { body } = await new HttpClient(reader.agent.url).get('/metrics');
    expect(body).toMatch(/cqrs_read_source_total\{source="replica"\} \d+/);
    expect(body).toMatch(/cqrs_store_breaker_state\{store="replica-0"\} 0/);
    expect(body).toMatch(/cqrs_store_breaker_state\{store="primary"\} 0/);
  });

  it('is ready with every store answering', async () => {
    const { status, body } = await new HttpClient(reader.agent.url).get('/health/ready');
    expect(status).toBe(200);
    expect(body.details.primary.status).toBe('up');
    expect(body.details['replica-0']).toMatchObject({ status: 'up', replicationLagSeconds: expect.any(Number) });
  });

  it('shows how long the oldest open transaction on the primary has held the reader back, in readiness and /metrics', async () => {
    const idle = await new HttpClient(reader.agent.url).get('/health/ready');
    expect(idle.body.details.projections).toMatchObject({ status: 'up', oldestTransactionAgeSeconds: expect.any(Number) });

    // Any open transaction that took an id holds back the gap-safe reader, whatever it touched.
    const holder = await writer.db.sql.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT txid_current()');
      await new Promise((done) => setTimeout(done, 1_200));
      const held = await new HttpClient(reader.agent.url).get('/health/ready');
      expect(held.body.details.projections.oldestTransactionAgeSeconds).toBeGreaterThanOrEqual(1.2);
      const { body: metrics } = await new HttpClient(reader.agent.url).get('/metrics');
      const age = Number(/^cqrs_projection_oldest_transaction_age_seconds (\S+)$/m.exec(metrics)?.[1]);
      expect(age).toBeGreaterThanOrEqual(1.2);
    } finally {
      await holder.query('COMMIT');
      holder.release();
    }
    // Other test files share this cluster and may hold a transaction of their own for a moment.
    const deadline = Date.now() + 10_000;
    let ageAfter = Infinity;
    while (ageAfter >= 1 && Date.now() < deadline) {
      ageAfter = (await new HttpClient(reader.agent.url).get('/health/ready')).body.details.projections.oldestTransactionAgeSeconds;
    }
    expect(ageAfter).toBeLessThan(1);
  });
});

describe('answers from the Redis projections', () => {
  async function untilFromRedis(path: string) {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const answer = await reader.http.get(path);
      if (answer.headers.get('x-data-source') === 'redis' || Date.now() > deadline) return answer;
      await new Promise((done) => setTimeout(done, 50));
    }
  }

  it('serves GetAgent, GetTask and GetStats from Redis once projected, equal to the primary', async () => {
    const agent = await untilFromRedis(`/agents/${busy}`);
    expect(agent.headers.get('x-data-source')).toBe('redis');
    expect(agent.body).toEqual(await expectedAgent(busy));
    const task = await untilFromRedis(`/tasks/${tasksOf.completed}`);
    expect(task.headers.get('x-data-source')).toBe('redis');
    expect(task.body).toEqual(await expectedTask(tasksOf.completed));
    expect(task.headers.get('etag')).toBe(`"${task.body.revision}"`);
    const stats = await untilFromRedis('/stats');
    expect(stats.headers.get('x-data-source')).toBe('redis');
  });

  it('gives an agent the same ETag from Redis as computed from the replica', async () => {
    const fromRedis = await untilFromRedis(`/agents/${retired}`);
    expect(fromRedis.headers.get('x-data-source')).toBe('redis');
    const revalidated = await reader.http.get(`/agents/${retired}`, { 'if-none-match': fromRedis.headers.get('etag')! });
    expect(revalidated.status).toBe(304);
  });

  it('answers from Redis with X-Min-Position once its checkpoint covers the token', async () => {
    const agent = await registerAgent();
    for (let i = 0; i < 5; i++) {
      const { position, revision } = await command('PATCH', `/agents/${agent}`, { version: `r${i}` });
      // Wait until the projection has the write (the view and the checkpoint commit together),
      // so that the answer below must come from Redis, not from whichever store is first.
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const plain = await reader.http.get(`/agents/${agent}`);
        if (plain.headers.get('x-data-source') === 'redis' && plain.body.revision >= revision) break;
        await new Promise((done) => setTimeout(done, 20));
      }
      const answer = await reader.http.get(`/agents/${agent}`, { 'x-min-position': position });
      expect(answer.body.revision).toBeGreaterThanOrEqual(revision);
      expect(answer.headers.get('x-data-source')).toBe('redis');
    }
  });
});
