import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getFreePort } from '@app/local-stack';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { HttpClient, type Answer } from '../support/http-client.js';
import { waitForLogLine } from '../support/logs.js';
import { expectProblem } from '../support/problem.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { startTogether } from '../support/start-together.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// docs/api.md sections 2 and 5: what an operator relies on besides the commands themselves.
// Start-up configuration (section 6) is in environment.e2e.spec.ts: its processes are many.

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Prometheus text exposition format -> samples. */
function parseMetrics(text: string): Sample[] {
  return text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
      if (!match) throw new Error(`not a sample: ${line}`);
      const labels: Record<string, string> = {};
      for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key] = value;
      return { name: match[1], labels, value: Number(match[3]) };
    });
}

const find = (samples: Sample[], name: string, labels: Record<string, string> = {}) =>
  samples.filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value));

const unique = (prefix = 'ops') => `${prefix}-${randomUUID()}`;

let fx: WriteAgentFixture;
/** RATE_LIMIT_PER_MINUTE=5, on the same database. */
let limited: AgentProcess;
/** REDIS_URL points to a closed port. */
let withoutRedis: AgentProcess;
/** Stopped by its test; on a database of its own, to count its connections. */
let stopping: AgentProcess;
let stoppingDb: TestDatabase;

// Processes start at the same time: each one loads the whole of Nest.
beforeAll(async () => {
  [fx, stoppingDb] = await startTogether(() => startWriteAgent('operations'), () => createTestDatabase('ops_sigterm'));
  const env = { AUTH_JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0' };
  const closedRedis = `redis://127.0.0.1:${await getFreePort()}`;
  [limited, withoutRedis, stopping] = await startTogether(
    () => startAgent('write-agent', { ...env, DATABASE_URL: fx.db.primaryUrl, REDIS_URL: inject('redisUrl'), RATE_LIMIT_PER_MINUTE: '5' }),
    () => startAgent('write-agent', { ...env, DATABASE_URL: fx.db.primaryUrl, REDIS_URL: closedRedis, RATE_LIMIT_PER_MINUTE: '100' }),
    () => startAgent('write-agent', { ...env, DATABASE_URL: stoppingDb.primaryUrl, REDIS_URL: inject('redisUrl') }),
  );
});
afterAll(async () => {
  await Promise.all([limited?.stop(), withoutRedis?.stop(), stopping && forceStop(stopping)]);
  await Promise.all([fx?.stop(), stoppingDb?.close()]);
});

/**
 * SIGTERM (unless `exited` says it was sent already), then SIGKILL after `graceMs`:
 * resolves with the exit code, or 'killed'.
 */
async function forceStop(agent: AgentProcess, graceMs = 0, exited = agent.stop()): Promise<number | null | 'killed'> {
  const code = await Promise.race([exited, new Promise<'late'>((done) => setTimeout(() => done('late'), graceMs))]);
  if (code !== 'late') return code;
  const pid = pidOf(agent);
  if (pid) process.kill(pid, 'SIGKILL');
  await exited;
  return 'killed';
}

/** The pid of an agent process this file started: the one whose PORT is the agent's. */
function pidOf(agent: AgentProcess): number | undefined {
  const port = new URL(agent.url).port;
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('write-agent/src/main.js')) continue;
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(`PORT=${port}`)) return Number(pid);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

async function metadataOf(aggregateId: string): Promise<Record<string, string>> {
  const { rows } = await fx.db.sql.query('SELECT metadata FROM events WHERE aggregate_id = $1 ORDER BY revision DESC LIMIT 1', [aggregateId]);
  return rows[0]?.metadata;
}

describe('health', () => {
  it('answers /health/live with 200', async () => {
    expect((await fx.http.get('/health/live')).status).toBe(200);
  });

  it('answers /health/ready with 200 and a terminus body that names the primary', async () => {
    const answer = await fx.http.get('/health/ready');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.body).toMatchObject({ status: 'ok', info: { primary: { status: 'up' } }, details: { primary: { status: 'up' } } });
  });
});

describe('metrics', () => {
  let samples: Sample[];
  let metricsText: string;
  let agentId: string;

  beforeAll(async () => {
    const agent = await fx.http.post('/agents', { name: unique(), version: '1' });
    agentId = agent.body.id;
    await fx.http.post(`/agents/${agentId}/pause`);
    await fx.http.post(`/agents/${agentId}/pause`); // refused: already paused
    const answer = await fx.http.get<string>('/metrics');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/plain/);
    metricsText = answer.body;
    samples = parseMetrics(metricsText);
  });

  it('exposes http_request_duration_seconds as a histogram labelled by method, route pattern and status code', () => {
    expect(metricsText).toMatch(/^# TYPE http_request_duration_seconds histogram$/m);
    const registered = find(samples, 'http_request_duration_seconds_count', { method: 'POST', route: '/agents', status_code: '201' });
    expect(registered).toHaveLength(1);
    expect(registered[0].value).toBeGreaterThanOrEqual(1);
    const paused = find(samples, 'http_request_duration_seconds_count', { method: 'POST', route: '/agents/:id/pause' });
    expect(paused.map((sample) => sample.labels.status_code).sort()).toEqual(['200', '409']);
    expect(find(samples, 'http_request_duration_seconds_bucket', { route: '/agents', le: '+Inf' }).length).toBeGreaterThan(0);
  });

  it('never puts an aggregate id in a route label', () => {
    expect(samples.filter((sample) => sample.labels.route?.includes(agentId))).toEqual([]);
  });

  it('counts commands by name and outcome in cqrs_commands_total', () => {
    expect(find(samples, 'cqrs_commands_total', { command: 'RegisterAgent', outcome: 'accepted' })[0]?.value).toBeGreaterThanOrEqual(1);
    expect(find(samples, 'cqrs_commands_total', { command: 'PauseAgent', outcome: 'accepted' })[0]?.value).toBe(1);
    expect(find(samples, 'cqrs_commands_total', { command: 'PauseAgent', outcome: 'rejected' })[0]?.value).toBe(1);
  });

  it('reports the last event log position written as cqrs_event_log_position', async () => {
    const { rows } = await fx.db.sql.query('SELECT max(position)::text AS max FROM events');
    const gauge = find(samples, 'cqrs_event_log_position');
    expect(gauge).toHaveLength(1);
    expect(gauge[0].value).toBe(Number(rows[0].max));
  });

  it('includes the default process metrics', () => {
    expect(find(samples, 'process_cpu_user_seconds_total')).toHaveLength(1);
    expect(find(samples, 'nodejs_eventloop_lag_seconds').length + find(samples, 'process_resident_memory_bytes').length).toBeGreaterThan(0);
  });
});

describe('API documentation', () => {
  interface Operation {
    requestBody?: { content: Record<string, { schema: { $ref?: string } }> };
    responses: Record<string, { content?: Record<string, unknown> }>;
    parameters?: Array<{ name: string; in: string }>;
  }
  let document: {
    openapi: string;
    paths: Record<string, Record<string, Operation>>;
    components: { schemas: Record<string, { properties: Record<string, Record<string, unknown>>; required?: string[] }>; securitySchemes?: Record<string, unknown> };
  };

  beforeAll(async () => {
    const answer = await fx.http.withToken(undefined).get('/docs-json');
    expect(answer.status).toBe(200);
    document = answer.body;
  });

  const schemaOf = (operation: Operation) => {
    const ref = operation.requestBody?.content['application/json']?.schema.$ref;
    expect(ref, 'request body schema').toBeDefined();
    return document.components.schemas[ref!.replace('#/components/schemas/', '')];
  };

  it('is an OpenAPI 3 document with bearer authentication', () => {
    expect(document.openapi).toMatch(/^3\./);
    expect(JSON.stringify(document.components.securitySchemes)).toMatch(/bearer/i);
  });

  const commands: Array<[string, string, string, number, Record<string, string[]> | null]> = [
    ['RegisterAgent', 'post', '/agents', 201, { properties: ['name', 'version', 'config', 'id'], required: ['name', 'version'] }],
    ['UpdateAgent', 'patch', '/agents/{id}', 200, { properties: ['name', 'version', 'config'], required: [] }],
    ['PauseAgent', 'post', '/agents/{id}/pause', 200, null],
    ['ResumeAgent', 'post', '/agents/{id}/resume', 200, null],
    ['RetireAgent', 'post', '/agents/{id}/retire', 200, null],
    ['SubmitTask', 'post', '/tasks', 201, { properties: ['agentId', 'type', 'payload', 'id'], required: ['agentId', 'type'] }],
    ['StartTask', 'post', '/tasks/{id}/start', 200, null],
    ['CompleteTask', 'post', '/tasks/{id}/complete', 200, { properties: ['result'], required: [] }],
    ['FailTask', 'post', '/tasks/{id}/fail', 200, { properties: ['error'], required: ['error'] }],
    ['CancelTask', 'post', '/tasks/{id}/cancel', 200, { properties: ['reason'], required: [] }],
  ];

  it.each(commands)('documents %s (%s %s) with its success and its problem answers', (_command, method, path, success) => {
    const operation = document.paths[path]?.[method];
    expect(operation, `${method} ${path}`).toBeDefined();
    const statuses = Object.keys(operation.responses);
    const expected = [String(success), '400', '401', '403', '409', '413', '422', '429'];
    if (path.includes('{id}')) expected.push('404', '412');
    expect(statuses).toEqual(expect.arrayContaining(expected));
    for (const status of expected.filter((code) => code >= '400')) {
      expect(Object.keys(operation.responses[status].content ?? {}), `${status} content`).toContain('application/problem+json');
    }
    if (path.includes('{id}')) expect(operation.parameters).toContainEqual(expect.objectContaining({ name: 'id', in: 'path' }));
  });

  // At least the fields of docs/api.md, each with a schema: a field added later (SubmitTask's
  // timeoutSeconds, say) is documented beside them, not refused here. Required ones exactly.
  it.each(commands.filter(([, , , , body]) => body !== null))('documents the request body of %s', (_command, method, path, _success, body) => {
    const schema = schemaOf(document.paths[path][method]);
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(body!.properties));
    for (const [field, property] of Object.entries(schema.properties)) expect(property, field).toBeTypeOf('object');
    expect([...(schema.required ?? [])].sort()).toEqual([...body!.required].sort());
  });

  it('documents the length limits and the task type pattern', () => {
    const register = schemaOf(document.paths['/agents'].post);
    expect(register.properties.name).toMatchObject({ type: 'string', minLength: 1, maxLength: 255 });
    expect(register.properties.version).toMatchObject({ type: 'string', minLength: 1, maxLength: 50 });
    const submit = schemaOf(document.paths['/tasks'].post);
    expect(submit.properties.type).toMatchObject({ maxLength: 100, pattern: '^[a-z0-9][a-z0-9._:-]*$' });
    const fail = schemaOf(document.paths['/tasks/{id}/fail'].post);
    expect(fail.properties.error).toMatchObject({ minLength: 1, maxLength: 2000 });
  });

  it('serves Swagger UI as HTML at /docs', async () => {
    const answer = await fx.http.withToken(undefined).get<string>('/docs');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/html/);
    expect(answer.body).toMatch(/swagger/i);
  });
});

describe('request ids', () => {
  const register = (headers: Record<string, string> = {}) => fx.http.post('/agents', { name: unique(), version: '1' }, headers);

  it('echoes a given X-Request-Id, stores it in the event metadata and writes it in the log line of the request', async () => {
    const answer = await register({ 'x-request-id': 'req-123' });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('x-request-id')).toBe('req-123');
    expect(await metadataOf(answer.body.id)).toMatchObject({ requestId: 'req-123' });
    const line = await waitForLogLine(fx.agent, (entry) => entry.requestId === 'req-123');
    expect(line, 'a log line with requestId req-123').toBeDefined();
    const lines = fx.agent.logs().filter((entry) => entry.requestId === 'req-123');
    expect(lines.some((entry) => entry.statusCode === 201)).toBe(true);
  });

  it('generates an id when none is given, echoes it and stores it', async () => {
    const first = await register();
    const second = await register();
    const id = first.headers.get('x-request-id');
    expect(id).toMatch(/^[\x20-\x7e]{1,128}$/);
    expect(second.headers.get('x-request-id')).not.toBe(id);
    expect(await metadataOf(first.body.id)).toMatchObject({ requestId: id });
    expect(await waitForLogLine(fx.agent, (entry) => entry.requestId === id)).toBeDefined();
  });

  it('keeps an id of exactly 128 characters', async () => {
    const given = 'r'.repeat(128);
    const answer = await register({ 'x-request-id': given });
    expect(answer.headers.get('x-request-id')).toBe(given);
    expect(await metadataOf(answer.body.id)).toMatchObject({ requestId: given });
  });

  it('replaces an id over 128 characters with a generated one', async () => {
    const given = 'r'.repeat(129);
    const answer = await register({ 'x-request-id': given });
    const used = answer.headers.get('x-request-id');
    expect(used).not.toBe(given);
    expect(used).toMatch(/^[\x20-\x7e]{1,128}$/);
    expect(await metadataOf(answer.body.id)).toMatchObject({ requestId: used });
  });

  it('echoes the request id on problem answers too', async () => {
    const invalid = await fx.http.post('/agents', { name: '' }, { 'x-request-id': 'req-bad-body' });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get('x-request-id')).toBe('req-bad-body');
    const anonymous = await fx.http.withToken(undefined).post('/agents', {}, { 'x-request-id': 'req-no-token' });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('x-request-id')).toBe('req-no-token');
    expect(await waitForLogLine(fx.agent, (entry) => entry.requestId === 'req-no-token' && entry.statusCode === 401)).toBeDefined();
  });

  it('stores the token subject in the event metadata', async () => {
    const subject = unique('subject');
    const client = fx.http.withToken(await signToken({ sub: subject, scope: 'commands:write' }));
    const answer = await client.post('/agents', { name: unique(), version: '1' });
    expect(answer.status).toBe(201);
    expect(await metadataOf(answer.body.id)).toMatchObject({ subject });
    const paused = await client.post(`/agents/${answer.body.id}/pause`, undefined, { 'x-request-id': 'req-pause' });
    expect(paused.status).toBe(200);
    expect(await metadataOf(answer.body.id)).toMatchObject({ subject, requestId: 'req-pause' });
  });
});

describe('rate limiting (RATE_LIMIT_PER_MINUTE=5)', () => {
  let http: HttpClient;
  // The Redis count outlives a run by up to a minute: subjects are new each run.
  const subject = unique('rate');

  beforeAll(async () => {
    http = new HttpClient(limited.url, await signToken({ sub: subject, scope: 'commands:write' }));
  });

  // The limit counts in fixed one-minute windows (floor(now / 60 s)): a test that crossed
  // a window's end would see its count start again, so each starts well inside one.
  async function insideOneWindow(): Promise<void> {
    const into = Date.now() % 60_000;
    if (into < 1_000 || into > 45_000) await new Promise((done) => setTimeout(done, 61_000 - into));
  }

  it('answers the 6th request of one subject within a minute with 429 and Retry-After, and runs no command', async () => {
    await insideOneWindow();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await http.post('/agents', { name: unique(), version: '1' })).status);
    expect(statuses).toEqual([201, 201, 201, 201, 201]);
    const name = unique();
    const sixth = await http.post('/agents', { name, version: '1' });
    expectProblem(sixth, 429);
    const retryAfter = sixth.headers.get('retry-after');
    expect(retryAfter, 'Retry-After header').toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(60);
    const { rowCount } = await fx.db.sql.query('SELECT 1 FROM agents WHERE name = $1', [name]);
    expect(rowCount).toBe(0);
  });

  it('still lets another subject through', async () => {
    const other = http.withToken(await signToken({ sub: unique('rate-other'), scope: 'commands:write' }));
    expect((await other.post('/agents', { name: unique(), version: '1' })).status).toBe(201);
  });

  it('counts missing and invalid tokens per client address before the 401: a flood of them gets 429', async () => {
    // The address's count is shared through Redis and outlives a run by up to a minute, so
    // the 401s may be fewer than 5 on a rerun; after them, only 429s.
    const anonymous = new HttpClient(limited.url);
    const forged = anonymous.withToken(await signToken({ scope: 'commands:write' }, 'another-secret-that-is-at-least-32-characters'));
    const expired = anonymous.withToken(await signToken({ scope: 'commands:write', expiresIn: Math.floor(Date.now() / 1000) - 10 }));
    const clients = [anonymous, forged, expired, anonymous.withToken('garbage')];
    await insideOneWindow();
    const statuses: number[] = [];
    const names: string[] = [];
    for (let i = 0; i < 12; i++) {
      const name = unique();
      names.push(name);
      const answer = await clients[i % clients.length].post('/agents', { name, version: '1' });
      expectProblem(answer, answer.status === 429 ? 429 : 401);
      if (answer.status === 429) expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      statuses.push(answer.status);
    }
    const firstLimited = statuses.indexOf(429);
    expect(firstLimited, statuses.join(' ')).toBeGreaterThanOrEqual(0);
    expect(firstLimited, statuses.join(' ')).toBeLessThanOrEqual(5);
    expect(statuses.slice(firstLimited).every((status) => status === 429), statuses.join(' ')).toBe(true);
    const { rowCount } = await fx.db.sql.query('SELECT 1 FROM agents WHERE name = ANY($1)', [names]);
    expect(rowCount).toBe(0);
    // A valid token still counts against its own subject.
    const valid = http.withToken(await signToken({ sub: unique('rate-valid'), scope: 'commands:write' }));
    expect((await valid.post('/agents', { name: unique(), version: '1' })).status).toBe(201);
  });

  it('does not limit the health checks', async () => {
    for (let i = 0; i < 8; i++) expect((await http.get('/health/ready')).status).toBe(200);
  });
});

describe('SIGTERM', () => {
  it('finishes the 20 requests in flight, closes its pool and exits 0', async () => {
    const agent = stopping;
    const db = stoppingDb;
    const http = new HttpClient(agent.url, await signToken({ scope: 'commands:write' }));
    expect((await http.post('/agents', { name: unique(), version: '1' })).status).toBe(201);

    // A slow situation made certain: a lock that blocks every insert into agents holds
    // 20 RegisterAgent commands inside their handlers while the process is told to stop.
    const lock = await db.sql.connect();
    try {
      await lock.query('BEGIN');
      await lock.query('LOCK TABLE agents IN SHARE MODE');
      const requests = Array.from({ length: 20 }, () =>
        http.post('/agents', { name: unique(), version: '1' }).then(
          (answer): Answer | Error => answer,
          (error: Error) => error,
        ),
      );
      const waiting = async () =>
        (await db.sql.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'write-agent' AND wait_event_type = 'Lock'`,
        )).rows[0].n as number;
      const deadline = Date.now() + 10_000;
      while ((await waiting()) < 20 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
      expect(await waiting(), 'commands blocked inside the handlers').toBe(20);

      const exited = agent.stop();
      let hasExited = false;
      void exited.then(() => (hasExited = true));
      await new Promise((done) => setTimeout(done, 300));
      expect(hasExited, 'exited while requests were in flight').toBe(false);
      await lock.query('COMMIT');

      const outcomes = await Promise.all(requests);
      const summary = outcomes.map((outcome) =>
        outcome instanceof Error ? `error ${String((outcome.cause as { code?: string })?.code ?? outcome.message)}` : `${outcome.status} connection: ${outcome.headers.get('connection')}`,
      );
      expect(summary.filter((line) => !line.startsWith('201')), summary.join('\n')).toEqual([]);
      const { rows } = await db.sql.query<{ id: string }>('SELECT id FROM agents');
      const stored = new Set(rows.map((row) => row.id));
      for (const answer of outcomes as Answer[]) expect(stored.has(answer.body.id)).toBe(true);

      // A request sent now, on a connection the finished requests left open, is not in
      // flight: it may go unanswered, but an answer must still be a problem (docs/api.md section 2).
      const late = await http.post('/agents', { name: unique(), version: '1' }).catch((error: Error) => error);
      if (!(late instanceof Error)) expect.soft(late.headers.get('content-type'), `late request: ${late.status} ${JSON.stringify(late.body)}`).toMatch(/^application\/problem\+json/);

      const code = await forceStop(agent, 5_000, exited);
      expect(code, agent.output().filter((line) => /shut/.test(line)).join('\n')).toBe(0);
    } finally {
      await lock.query('ROLLBACK').catch(() => undefined);
      lock.release();
      await forceStop(agent);
    }

    // A closed connection's backend leaves pg_stat_activity a moment after the client.
    const connections = async () =>
      (await db.sql.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'write-agent'`,
      )).rows[0].n as number;
    const deadline = Date.now() + 2_000;
    while ((await connections()) > 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 50));
    expect(await connections(), 'connections left open by the agent').toBe(0);
    expect(agent.logs().some((entry) => /shut down cleanly/.test(String(entry.msg)))).toBe(true);
  });
});

describe('Redis down', () => {
  it('stays ready and takes commands when its Redis port is closed', async () => {
    const http = new HttpClient(withoutRedis.url, await signToken({ sub: unique('no-redis'), scope: 'commands:write' }));
    expect((await http.get('/health/ready')).status).toBe(200);
    const registered = await http.post('/agents', { name: unique(), version: '1' });
    expect(registered.status).toBe(201);
    const submitted = await http.post('/tasks', { agentId: registered.body.id, type: 'no.redis' });
    expect(submitted.status).toBe(201);
    expect((await http.post(`/tasks/${submitted.body.id}/start`)).status).toBe(200);
  });
});
