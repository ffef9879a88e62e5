import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answer } from '../support/http-client.js';
import { headerValue, hostileString, pathId } from '../support/hostile-input.js';
import { expectProblem } from '../support/problem.js';
import { isolatedRedisUrl, startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { signToken } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// docs/api.md sections 2, 4 and 5: no query can produce a 5xx by its content alone, a
// position token no command answered is refused at once, and what a command stored (keys
// named like members of Object.prototype included) is answered exactly, from Redis and SQL.

const READ_WAIT_MS = 5_000;

let writer: WriteAgentFixture;
let reader: ReadAgentFixture;
/** A read agent without Redis: single views come from the replica. */
let sqlReader: ReadAgentFixture;
let agent: string;
let task: string;
let position: string;

// Raw text: an object literal cannot hold an own "__proto__" key.
const PROTO_VALUE = `{"toString":1,"valueOf":"v","constructor":{"prototype":2},"prototype":[3],"hasOwnProperty":null,"__proto__":{"__proto__":4,"toString":5},"k":4}`;
const json = { 'content-type': 'application/json' };

beforeAll(async () => {
  writer = await startWriteAgent('read_hostile_input');
  const env = { DATABASE_URL: writer.db.primaryUrl, DATABASE_REPLICA_URLS: writer.db.replicaUrls.join(','), READ_WAIT_MS: String(READ_WAIT_MS) };
  reader = await startReadAgent({ ...env, REDIS_URL: await isolatedRedisUrl(11) });
  sqlReader = await startReadAgent(env);
  const registered = await writer.http.request('POST', '/agents', { rawBody: `{"name":"proto-agent","version":"1","config":${PROTO_VALUE}}`, headers: json });
  agent = registered.body.id;
  const submitted = await writer.http.request('POST', '/tasks', { rawBody: `{"agentId":"${agent}","type":"proto","payload":${PROTO_VALUE}}`, headers: json });
  task = submitted.body.id;
  await writer.http.post(`/tasks/${task}/start`);
  const completed = await writer.http.request('POST', `/tasks/${task}/complete`, { rawBody: `{"result":${PROTO_VALUE}}`, headers: json });
  expect([registered.status, submitted.status, completed.status]).toEqual([201, 201, 200]);
  position = completed.body.position;
});

afterAll(async () => {
  await sqlReader?.stop();
  await reader?.stop();
  await writer?.stop();
});

const BY_ID = (id: string) => [`/agents/${id}`, `/agents/${id}/history`, `/tasks/${id}`, `/tasks/${id}/history`];
const ALL_ROUTES = () => ['/agents', '/tasks', '/stats', ...BY_ID(agent), ...BY_ID(task)];

/** A JSON answer's text as the client received it, parsed so that own "__proto__" keys survive. */
async function rawJson(client: ReadAgentFixture, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${client.http.baseUrl}${path}`, { headers: { authorization: `Bearer ${await signToken({ scope: 'queries:read' })}`, ...headers } });
  return { status: response.status, source: response.headers.get('x-data-source'), body: JSON.parse(await response.text()) };
}

/** Sorted keys, so that two JSON values compare as values. */
function canonical(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value).sort().map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`).join(',')}}`;
}
const EXPECTED = canonical(JSON.parse(PROTO_VALUE));

describe('keys named like members of Object.prototype', () => {
  it('are answered exactly from Redis in the agent and the task views', async () => {
    // The token lets the replica answer until the projector has caught up: wait for Redis.
    let seen = await rawJson(reader, `/agents/${agent}`);
    for (let tries = 0; seen.source !== 'redis' && tries < 100; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      seen = await rawJson(reader, `/agents/${agent}`, { 'x-min-position': position });
    }
    expect(seen.source).toBe('redis');
    expect(canonical(seen.body.config)).toBe(EXPECTED);
    const taskView = await rawJson(reader, `/tasks/${task}`, { 'x-min-position': position });
    expect(taskView.source).toBe('redis');
    expect([canonical(taskView.body.payload), canonical(taskView.body.result)]).toEqual([EXPECTED, EXPECTED]);
  });

  it('are answered exactly from SQL in the views, the lists and the history', async () => {
    const agentView = await rawJson(sqlReader, `/agents/${agent}`, { 'x-min-position': position });
    expect(agentView.source).not.toBe('redis');
    expect(canonical(agentView.body.config)).toBe(EXPECTED);
    const taskView = await rawJson(sqlReader, `/tasks/${task}`, { 'x-min-position': position });
    expect([canonical(taskView.body.payload), canonical(taskView.body.result)]).toEqual([EXPECTED, EXPECTED]);
    const agents = await rawJson(reader, '/agents', { 'x-min-position': position });
    expect(canonical(agents.body.items.find((item: { id: string }) => item.id === agent).config)).toBe(EXPECTED);
    const tasks = await rawJson(reader, `/tasks?agentId=${agent}`, { 'x-min-position': position });
    expect(canonical(tasks.body.items[0].payload)).toBe(EXPECTED);
    const history = await rawJson(reader, `/agents/${agent}/history`, { 'x-min-position': position });
    expect(canonical(history.body.items[0].data.config)).toBe(EXPECTED);
  });
});

describe('an X-Min-Position no command answered', () => {
  const FORGED = ['18446744073709551615.9223372036854775807', '99999999999.1', '4000000000.99999999999'];

  it.each(FORGED)('%s, far beyond the head of the log, is refused with 400 at once on every query route, of both readers', async (token) => {
    for (const client of [reader, sqlReader]) {
      for (const path of ALL_ROUTES()) {
        const started = Date.now();
        const answer = await client.http.get(path, { 'x-min-position': token });
        expectProblem(answer, 400, ['x-min-position']);
        expect(Date.now() - started, path).toBeLessThan(READ_WAIT_MS / 2);
      }
    }
  });

  it.each(['1.99999999999', '2.1'])('%s, within the log but never issued, is answered at once (a reader past it answers, else 400)', async (token) => {
    for (const client of [reader, sqlReader]) {
      for (const path of ALL_ROUTES()) {
        const started = Date.now();
        const answer = await client.http.get(path, { 'x-min-position': token });
        // A reader past the token answers the route as it stands: 200, or 404 for an id no one has.
        if (answer.status !== 200 && answer.status !== 404) expectProblem(answer, 400, ['x-min-position']);
        expect(Date.now() - started, path).toBeLessThan(READ_WAIT_MS / 2);
      }
    }
  });

  it('is told apart from a token a command answered a moment ago, ahead of Redis and the replica', async () => {
    for (let round = 0; round < 5; round++) {
      const registered = await writer.http.post('/agents', { name: `fresh-${randomUUID()}`, version: '1' });
      expect(registered.status).toBe(201);
      const token = registered.body.position;
      for (const [client, path] of [[reader, `/agents/${registered.body.id}`], [sqlReader, `/agents/${registered.body.id}`], [reader, '/agents'], [reader, '/stats']] as const) {
        const answer = await client.http.get(path, { 'x-min-position': token });
        expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBe(200);
      }
    }
  });
});

describe('a token a command answered while an older transaction is still open on the primary', () => {
  it('is waited for and answered from the primary, not refused as never issued', async () => {
    const open = await writer.db.sql.connect();
    try {
      // Holds a transaction id below the command's, so no snapshot covers the token yet.
      await open.query('BEGIN; SELECT pg_current_xact_id()');
      const registered = await writer.http.post('/agents', { name: `held-${randomUUID()}`, version: '1' });
      expect(registered.status).toBe(201);
      const answer = await sqlReader.http.get(`/agents/${registered.body.id}`, { 'x-min-position': registered.body.position });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(answer.headers.get('x-data-source')).toBe('primary');
    } finally {
      await open.query('ROLLBACK');
      open.release();
    }
  });
});

describe('the token of a query', () => {
  it.each([
    ['no sub', null],
    ['an empty sub', ''],
    ['a sub of 256 characters', 's'.repeat(256)],
    ['a sub with a lone surrogate', '\ud800'],
  ] as const)('is refused with 401 when it has %s, on every query route', async (_what, sub) => {
    const client = reader.http.withToken(await signToken({ sub, scope: 'queries:read' }));
    for (const path of ALL_ROUTES()) expectProblem(await client.get(path), 401);
  });
});

describe('a path id over 100 characters', () => {
  it('is refused with 400 naming it on every by-id route, not 414', async () => {
    for (const length of [101, 1_000, 10_000]) {
      for (const path of BY_ID('a'.repeat(length))) expectProblem(await reader.http.get(path), 400, ['id']);
    }
  });
});

describe('generated hostile queries to every route', () => {
  const DOCUMENTED = [200, 304, 400, 401, 403, 404];

  async function digest(): Promise<unknown> {
    const { rows } = await writer.db.sql.query(`
      SELECT (SELECT count(*)::int FROM events) AS events,
             (SELECT md5(coalesce(string_agg(a::text, '|' ORDER BY a.id), '')) FROM agents a) AS agents,
             (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM tasks t) AS tasks`);
    return rows[0];
  }

  const queryString = fc.oneof(
    { weight: 2, arbitrary: fc.constant('') },
    {
      weight: 3,
      arbitrary: fc
        .array(
          fc.tuple(
            fc.oneof(fc.constantFrom('limit', 'cursor', 'status', 'agentId', 'type', '__proto__', 'toString', 'constructor'), hostileString),
            fc.oneof(hostileString, fc.constantFrom('0', '1', '100', '101', '-1', '1e400', 'pending', 'active', 'crawl.page'), fc.uuid()),
          ),
          { maxLength: 4 },
        )
        .map((pairs) => `?${pairs.map(([key, value]) => `${encodeLoosely(key)}=${encodeLoosely(value)}`).join('&')}`),
    },
  );

  const token = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom('valid', '18446744073709551615.1', '1.1', '0.0', ''),
    fc.tuple(fc.bigInt({ min: 1n, max: 2n ** 64n }), fc.bigInt({ min: 1n, max: 2n ** 63n })).map(([tx, pos]) => `${tx}.${pos}`),
    headerValue(30),
  );

  const headers = fc.record(
    {
      'if-none-match': fc.oneof(headerValue(20), fc.constantFrom('*', 'W/"1"', '"1", W/"2"')),
      'x-request-id': headerValue(200),
      'content-type': fc.constantFrom('application/json', 'text/plain'),
    },
    { requiredKeys: [] },
  );

  const auth = fc.oneof({ weight: 8, arbitrary: fc.constant('valid') }, { weight: 1, arbitrary: fc.constantFrom('none', 'no-sub', 'write-only') });

  async function clientFor(kind: string) {
    if (kind === 'valid') return reader.http;
    if (kind === 'none') return reader.http.withToken(undefined);
    return reader.http.withToken(kind === 'no-sub' ? await signToken({ sub: null, scope: 'queries:read' }) : await signToken({ scope: 'commands:write' }));
  }

  const ROUTES = ['/agents', '/tasks', '/stats', '/agents/:id', '/agents/:id/history', '/tasks/:id', '/tasks/:id/history'];

  it.each(ROUTES)('GET %s answers generated paths, query strings and headers with a documented 4xx or a 2xx, and changes nothing', async (route) => {
    const before = await digest();
    await fc.assert(
      fc.asyncProperty(pathId([agent, task]), queryString, token, headers, auth, async (id, query, minPosition, sent, kind) => {
        const client = await clientFor(kind);
        const all: Record<string, string> = { ...sent };
        if (minPosition !== undefined) all['x-min-position'] = minPosition === 'valid' ? position : minPosition;
        const started = Date.now();
        const answer: Answer = await client.request('GET', `${route.replace(':id', id)}${query}`, { headers: all });
        const summary = `${answer.status} ${JSON.stringify(answer.body)}`;
        expect(DOCUMENTED, summary).toContain(answer.status);
        if (answer.status >= 400) expect(answer.headers.get('content-type'), summary).toMatch(/^application\/problem\+json/);
        expect(Date.now() - started, summary).toBeLessThan(READ_WAIT_MS);
      }),
      { numRuns: 80 },
    );
    expect(await digest()).toEqual(before);
    expect(reader.agent.logs().filter((line) => line.level === 'error' || (typeof line.level === 'number' && line.level >= 50))).toEqual([]);
  });
});

/** Percent-encodes what a URL cannot carry, lone surrogates as the bytes a client could send. */
function encodeLoosely(text: string): string {
  return [...text]
    .map((char) => {
      try {
        return encodeURIComponent(char);
      } catch {
        return '%ED%A0%80';
      }
    })
    .join('');
}
