import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answer } from '../support/http-client.js';
import { bodyText, headerValue, pathId, PROTOTYPE_KEYS } from '../support/hostile-input.js';
import { expectProblem } from '../support/problem.js';
import { signToken } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// docs/api.md section 2: no request can produce a 5xx by its content alone, and a refused
// request changes nothing. Each defect found once has a focused test; the properties at the
// end send generated bodies, headers and paths to every command route.

const json = { 'content-type': 'application/json' };

interface Route {
  command: string;
  method: 'POST' | 'PATCH';
  /** The path, from the id it takes (ignored by the two create commands). */
  path: (id: string) => string;
  /** A valid body, or {} for a command that takes none. */
  valid: () => Record<string, unknown>;
  /** The fields the body may hold. */
  fields: string[];
}

let fx: WriteAgentFixture;
let agent: string;
let pending: string;
let running: string;

const ROUTES: Route[] = [
  { command: 'RegisterAgent', method: 'POST', path: () => '/agents', valid: () => ({ name: `agent-${randomUUID()}`, version: '1' }), fields: ['name', 'version', 'config', 'id'] },
  { command: 'UpdateAgent', method: 'PATCH', path: (id) => `/agents/${id}`, valid: () => ({ version: '2' }), fields: ['name', 'version', 'config'] },
  { command: 'PauseAgent', method: 'POST', path: (id) => `/agents/${id}/pause`, valid: () => ({}), fields: [] },
  { command: 'ResumeAgent', method: 'POST', path: (id) => `/agents/${id}/resume`, valid: () => ({}), fields: [] },
  { command: 'RetireAgent', method: 'POST', path: (id) => `/agents/${id}/retire`, valid: () => ({}), fields: [] },
  { command: 'SubmitTask', method: 'POST', path: () => '/tasks', valid: () => ({ agentId: agent, type: 'crawl.page' }), fields: ['agentId', 'type', 'payload', 'id'] },
  { command: 'StartTask', method: 'POST', path: (id) => `/tasks/${id}/start`, valid: () => ({}), fields: [] },
  { command: 'CompleteTask', method: 'POST', path: (id) => `/tasks/${id}/complete`, valid: () => ({ result: { ok: true } }), fields: ['result'] },
  { command: 'FailTask', method: 'POST', path: (id) => `/tasks/${id}/fail`, valid: () => ({ error: 'boom' }), fields: ['error'] },
  { command: 'CancelTask', method: 'POST', path: (id) => `/tasks/${id}/cancel`, valid: () => ({ reason: 'no' }), fields: ['reason'] },
];
const route = (command: string) => ROUTES.find((candidate) => candidate.command === command)!;
const ROUTES_WITH_ID = ROUTES.filter((candidate) => candidate.path('x') !== candidate.path('y'));
const idFor = (command: string) => (command.endsWith('Agent') ? agent : command === 'StartTask' || command === 'CancelTask' ? pending : running);

function send(command: string, options: { body?: unknown; rawBody?: string; headers?: Record<string, string>; id?: string } = {}) {
  const { method, path } = route(command);
  const { id = idFor(command), ...rest } = options;
  return fx.http.request(method, path(id), rest.rawBody !== undefined ? { rawBody: rest.rawBody, headers: { ...json, ...rest.headers } } : rest);
}

interface Digest {
  events: number;
  keys: number;
  agents: string;
  tasks: string;
}

/** Everything a command can change: every state row, and the counts of events and idempotency keys. */
async function digest(): Promise<Digest> {
  const { rows } = await fx.db.sql.query<Digest>(`
    SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM idempotency_keys) AS keys,
           (SELECT md5(coalesce(string_agg(a::text, '|' ORDER BY a.id), '')) FROM agents a) AS agents,
           (SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM tasks t) AS tasks`);
  return rows[0];
}

/** Runs `request` and asserts that it is refused with this status and left nothing behind. */
async function refusedWithoutTrace(request: () => Promise<Answer>, status: number, fields?: string[]): Promise<Answer> {
  const before = await digest();
  const answer = await request();
  expectProblem(answer, status, fields);
  expect(await digest()).toEqual(before);
  return answer;
}

async function newFixtures(): Promise<void> {
  const registered = await fx.http.post('/agents', { name: `fixture-${randomUUID()}`, version: '1' });
  agent = registered.body.id;
  pending = (await fx.http.post('/tasks', { agentId: agent, type: 'fixture.pending' })).body.id;
  running = (await fx.http.post('/tasks', { agentId: agent, type: 'fixture.running' })).body.id;
  expect((await fx.http.post(`/tasks/${running}/start`)).status).toBe(200);
}

beforeAll(async () => {
  fx = await startWriteAgent('hostile_input');
  await newFixtures();
});
afterAll(async () => {
  await fx?.stop();
});

describe('a lone UTF-16 surrogate', () => {
  const cases: Array<[string, string, Record<string, unknown>, string]> = [
    ['RegisterAgent', 'the name', { name: 'a\ud800', version: '1' }, 'name'],
    ['RegisterAgent', 'the version', { name: 'n', version: '\udc00' }, 'version'],
    ['RegisterAgent', 'a config value deep down', { name: 'n', version: '1', config: { a: { b: [1, 'x\udfff'] } } }, 'config.a.b.1'],
    ['RegisterAgent', 'a config key', { name: 'n', version: '1', config: { 'k\ud83d': 1 } }, 'config.k\\ud83d'],
    ['UpdateAgent', 'the name', { name: '\ud800' }, 'name'],
    ['UpdateAgent', 'a config value', { config: { k: '\ud800' } }, 'config.k'],
    ['SubmitTask', 'the type', { agentId: 'agent', type: 'a\ud800' }, 'type'],
    ['SubmitTask', 'a payload key deep down', { agentId: 'agent', type: 't', payload: { list: [{ '\udc00': 1 }] } }, 'payload.list.0.\\udc00'],
    ['CompleteTask', 'a result value', { result: { r: '\ud800' } }, 'result.r'],
    ['FailTask', 'the error', { error: 'bad \ud800' }, 'error'],
    ['CancelTask', 'the reason', { reason: '\udbff' }, 'reason'],
    ['PauseAgent', 'a field of a command that takes no body', { '\ud800': 1 }, '\\ud800'],
  ];

  it.each(cases)('in %s, in %s, is refused with 400 naming the field, and changes nothing', async (command, _where, body, field) => {
    const sent = body.agentId === 'agent' ? { ...body, agentId: agent } : body;
    await refusedWithoutTrace(() => send(command, { body: sent }), 400, [field]);
  });
});

describe('deep nesting', () => {
  const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

  it.each(ROUTES.map((candidate) => [candidate.command]))('of 30,000 arrays in the body of %s is refused with 400 and changes nothing, with an Idempotency-Key too', async (command) => {
    await refusedWithoutTrace(() => send(command, { rawBody: nested(30_000) }), 400);
    // The key's fingerprint reads the body before any pipe: it must never walk one this deep.
    await refusedWithoutTrace(() => send(command, { rawBody: nested(30_000), headers: { 'idempotency-key': randomUUID() } }), 400);
  });

  it.each(ROUTES.filter((candidate) => candidate.fields.length > 0).map((candidate) => [candidate.command, candidate.fields.at(-1)!]))(
    'of 2,000 arrays in a field of %s is refused with 400 and changes nothing',
    async (command, field) => {
      const valid = JSON.stringify(route(command).valid()).slice(0, -1);
      await refusedWithoutTrace(() => send(command, { rawBody: `${valid}${valid === '{' ? '' : ','}"${field}":${nested(2_000)}}` }), 400);
    },
  );

  it('is accepted up to 64 levels, the body itself counted, and refused from 65', async () => {
    const config = (levels: number) => `{"a":${nested(levels - 2)}}`; // the body is level 1, config level 2
    const register = (levels: number) => send('RegisterAgent', { rawBody: `{"name":"deep-${levels}-${randomUUID()}","version":"1","config":${config(levels)}}` });
    const accepted = await register(64);
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(201);
    await refusedWithoutTrace(() => register(65), 400, ['config.a' + '.0'.repeat(62)]);
  });
});

describe('a client-chosen id of the other kind of aggregate', () => {
  it('is refused with 409 as the id of a new task when an agent has it, and changes nothing', async () => {
    const answer = await refusedWithoutTrace(() => fx.http.post('/tasks', { agentId: agent, type: 't', id: agent }), 409);
    expect(answer.body.type).toBe('urn:problem:id_in_use');
  });

  it('is refused with 409 as the id of a new agent when a task has it, and changes nothing', async () => {
    const answer = await refusedWithoutTrace(() => fx.http.post('/agents', { name: `n-${randomUUID()}`, version: '1', id: pending }), 409);
    expect(answer.body.type).toBe('urn:problem:id_in_use');
  });
});

describe('keys named like members of Object.prototype', () => {
  // Raw text: an object literal cannot hold an own "__proto__" key.
  const value = `{"toString":1,"valueOf":"v","constructor":{"prototype":2},"prototype":[3],"hasOwnProperty":null,"__proto__":{"__proto__":4,"toString":5},"k":4}`;

  async function expectStoredExactly(sql: string, id: string): Promise<void> {
    const { rows } = await fx.db.sql.query<{ same: boolean }>(sql, [id, value]);
    expect(rows).toEqual([{ same: true }]);
  }

  it('are stored exactly in a config, in the agent row and in its event', async () => {
    const answer = await send('RegisterAgent', { rawBody: `{"name":"proto-${randomUUID()}","version":"1","config":${value}}` });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    await expectStoredExactly('SELECT config = $2::jsonb AS same FROM agents WHERE id = $1', answer.body.id);
    await expectStoredExactly(`SELECT data->'config' = $2::jsonb AS same FROM events WHERE aggregate_id = $1`, answer.body.id);
    const updated = await send('UpdateAgent', { id: answer.body.id, rawBody: `{"config":${value},"version":"2"}` });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    await expectStoredExactly(`SELECT data->'config' = $2::jsonb AS same FROM events WHERE aggregate_id = $1 AND revision = 2`, answer.body.id);
  });

  it('are stored exactly in a payload and in a result', async () => {
    const task = await send('SubmitTask', { rawBody: `{"agentId":"${agent}","type":"proto","payload":${value}}` });
    expect(task.status, JSON.stringify(task.body)).toBe(201);
    await expectStoredExactly('SELECT payload = $2::jsonb AS same FROM tasks WHERE id = $1', task.body.id);
    expect((await fx.http.post(`/tasks/${task.body.id}/start`)).status).toBe(200);
    const completed = await send('CompleteTask', { id: task.body.id, rawBody: `{"result":${value}}` });
    expect(completed.status, JSON.stringify(completed.body)).toBe(200);
    await expectStoredExactly('SELECT result = $2::jsonb AS same FROM tasks WHERE id = $1', task.body.id);
  });

  it.each(ROUTES.flatMap((candidate) => ['toString', '__proto__', 'constructor', 'valueOf'].map((key) => [candidate.command, key])))(
    '%s refuses an unknown top-level field named %s with 400 naming it, and changes nothing',
    async (command, key) => {
      const valid = JSON.stringify(route(command).valid()).slice(0, -1);
      await refusedWithoutTrace(() => send(command, { rawBody: `${valid}${valid === '{' ? '' : ','}"${key}":1}` }), 400, [key]);
    },
  );
});

describe('numbers', () => {
  it('beyond the range of a double are refused with 400 naming the field, rather than stored as null', async () => {
    await refusedWithoutTrace(() => send('RegisterAgent', { rawBody: '{"name":"huge","version":"1","config":{"n":1e400}}' }), 400, ['config.n']);
    await refusedWithoutTrace(() => send('CompleteTask', { rawBody: '{"result":{"list":[-1e999]}}' }), 400, ['result.list.0']);
  });
});

describe('a path id over 100 characters', () => {
  it.each(ROUTES_WITH_ID.flatMap((candidate) => [101, 1_000, 10_000].map((length) => [candidate.command, length] as const)))(
    '%s refuses an id of %i characters with 400 naming it, not 414',
    async (command, length) => {
      await refusedWithoutTrace(() => send(command, { id: 'a'.repeat(length), body: route(command).valid() }), 400, ['id']);
    },
  );
});

describe('the sub claim', () => {
  const subjects: Array<[string, string | null]> = [
    ['no sub', null],
    ['an empty sub', ''],
    ['a sub of 256 characters', 's'.repeat(256)],
    ['a sub with a lone surrogate', 'client-\ud800'],
    ['a sub with U+0000', 'client\u0000'],
  ];

  it.each(subjects)('refuses a token with %s with 401, and changes nothing', async (_what, sub) => {
    const client = fx.http.withToken(await signToken({ sub, scope: 'commands:write' }));
    await refusedWithoutTrace(() => client.post('/agents', { name: `sub-${randomUUID()}`, version: '1' }), 401);
  });

  it('takes a sub of 255 characters and records it in the event', async () => {
    const sub = `${'😀'.repeat(127)}s`;
    const client = fx.http.withToken(await signToken({ sub, scope: 'commands:write' }));
    const answer = await client.post('/agents', { name: `sub-${randomUUID()}`, version: '1' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const { rows } = await fx.db.sql.query(`SELECT metadata->>'subject' AS subject FROM events WHERE aggregate_id = $1`, [answer.body.id]);
    expect(rows).toEqual([{ subject: sub }]);
  });
});

describe('an Idempotency-Key repeated with the same JSON value', () => {
  it('replays the first answer when the body has another key order and spacing', async () => {
    const key = randomUUID();
    const name = `idem-${randomUUID()}`;
    const first = await send('RegisterAgent', { rawBody: `{"name":"${name}","version":"1","config":{"a":1,"b":[1,{"x":1,"y":2}]}}`, headers: { 'idempotency-key': key } });
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    const repeat = () =>
      send('RegisterAgent', { rawBody: ` { "config" : { "b" : [ 1 , { "y":2, "x":1 } ], "a":1 },\n "version":"1", "name":"${name}" }`, headers: { 'idempotency-key': key } });
    const before = await digest();
    const again = await repeat();
    expect(again.status, JSON.stringify(again.body)).toBe(201);
    expect(await digest()).toEqual(before);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('still refuses with 422 the same key with another JSON value', async () => {
    const key = randomUUID();
    const name = `idem-${randomUUID()}`;
    expect((await fx.http.post('/agents', { name, version: '1', config: { a: 1 } }, { 'idempotency-key': key })).status).toBe(201);
    await refusedWithoutTrace(() => fx.http.post('/agents', { name, version: '1', config: { a: '1' } }, { 'idempotency-key': key }), 422);
  });
});

describe('generated hostile requests to every command route', () => {
  const DOCUMENTED = [200, 201, 400, 401, 403, 404, 409, 412, 413, 422];
  /** Answers of commands that ran and were refused: nothing changed but, with a key, the stored refusal. */
  const DOMAIN_REFUSALS = [404, 409, 412, 422];

  interface Sent {
    status: number;
    contentType: string | null;
    keyed: boolean;
  }

  async function check(request: () => Promise<Answer>, keyed: boolean): Promise<void> {
    const before = await digest();
    const answer = await request();
    const sent: Sent = { status: answer.status, contentType: answer.headers.get('content-type'), keyed };
    const summary = `${answer.status} ${JSON.stringify(answer.body)}`;
    expect(DOCUMENTED, summary).toContain(sent.status);
    if (sent.status >= 400) {
      expect(sent.contentType, summary).toMatch(/^application\/problem\+json/);
      const after = await digest();
      if (DOMAIN_REFUSALS.includes(sent.status) && keyed) expect({ ...after, keys: before.keys }, summary).toEqual(before);
      else expect(after, summary).toEqual(before);
    }
  }

  const headers = fc.record(
    {
      'content-type': fc.constantFrom('application/json', 'application/merge-patch+json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded'),
      'if-match': fc.oneof(fc.constantFrom('"1"', '"2"', '"abc"', 'W/"1"', '*', '"99999999999"', '"1", "2"'), headerValue(12)),
      'idempotency-key': fc.oneof(headerValue(20), fc.constant('k'.repeat(256))),
      'x-request-id': headerValue(200),
      'x-min-position': headerValue(30),
    },
    { requiredKeys: [] },
  );

  const authorization = fc.oneof(
    { weight: 8, arbitrary: fc.constant('valid') },
    { weight: 1, arbitrary: fc.constantFrom('none', 'garbage', 'no-sub', 'read-only', 'surrogate-sub') },
  );

  async function clientFor(kind: string) {
    switch (kind) {
      case 'valid':
        return fx.http;
      case 'none':
        return fx.http.withToken(undefined);
      case 'garbage':
        return fx.http.withToken('not.a.jwt');
      case 'no-sub':
        return fx.http.withToken(await signToken({ sub: null, scope: 'commands:write' }));
      case 'surrogate-sub':
        return fx.http.withToken(await signToken({ sub: '\udc00', scope: 'commands:write' }));
      default:
        return fx.http.withToken(await signToken({ scope: 'queries:read' }));
    }
  }

  it.each(ROUTES.map((candidate) => [candidate.command]))(
    '%s answers generated bodies, headers, paths and query strings with a documented 4xx or a 2xx, and a refusal changes nothing',
    async (command) => {
      const { method, path, valid, fields } = route(command);
      await fc.assert(
        fc.asyncProperty(
          bodyText(valid(), fields),
          headers,
          pathId([agent, pending, running]),
          fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: headerValue(20).map((query) => `?${encodeURI(query)}`) }),
          authorization,
          async (rawBody, sentHeaders, id, query, auth) => {
            const client = await clientFor(auth);
            const url = `${path(ROUTES_WITH_ID.includes(route(command)) ? id : agent)}${query}`;
            await check(() => client.request(method, url, { rawBody, headers: sentHeaders }), sentHeaders['idempotency-key'] !== undefined);
          },
        ),
        { numRuns: 150 },
      );
      // Fixtures a run used up (a retired agent, a finished task) are replaced for the next route.
      await newFixtures();
    },
  );

  it('answers prototype-named keys anywhere in a valid body by storing them or refusing them, never by dropping them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.subarray(PROTOTYPE_KEYS, { minLength: 1 }), fc.integer(), async (keys, n) => {
        const config = `{${keys.map((key) => `"${key}":${n}`).join(',')},"k":4}`;
        const answer = await send('RegisterAgent', { rawBody: `{"name":"p-${randomUUID()}","version":"1","config":${config}}` });
        expect(answer.status, JSON.stringify(answer.body)).toBe(201);
        const { rows } = await fx.db.sql.query('SELECT config = $2::jsonb AS same FROM agents WHERE id = $1', [answer.body.id, config]);
        expect(rows).toEqual([{ same: true }]);
      }),
      { numRuns: 25 },
    );
  });
});
