import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../support/problem.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// Every request here is refused before it reaches a command (docs/api.md sections 2 and 3), so
// the database must hold exactly the fixtures afterwards. The boundary values that must be
// accepted come last, once the "no trace" check has run.

interface Fixtures {
  agent: string;
  pending: string;
  running: string;
}

type Body = Record<string, unknown>;

interface Route {
  command: string;
  method: 'POST' | 'PATCH';
  path: (ids: Fixtures) => string;
  /** A body the route accepts; undefined for a command without a body. */
  valid?: (ids: Fixtures) => Body;
}

const ROUTES: Route[] = [
  { command: 'RegisterAgent', method: 'POST', path: () => '/agents', valid: () => ({ name: 'refused-agent', version: '1.0.0' }) },
  { command: 'UpdateAgent', method: 'PATCH', path: (ids) => `/agents/${ids.agent}`, valid: () => ({ version: '2.0.0' }) },
  { command: 'PauseAgent', method: 'POST', path: (ids) => `/agents/${ids.agent}/pause` },
  { command: 'ResumeAgent', method: 'POST', path: (ids) => `/agents/${ids.agent}/resume` },
  { command: 'RetireAgent', method: 'POST', path: (ids) => `/agents/${ids.agent}/retire` },
  { command: 'SubmitTask', method: 'POST', path: () => '/tasks', valid: (ids) => ({ agentId: ids.agent, type: 'crawl.page' }) },
  { command: 'StartTask', method: 'POST', path: (ids) => `/tasks/${ids.pending}/start` },
  { command: 'CompleteTask', method: 'POST', path: (ids) => `/tasks/${ids.running}/complete`, valid: () => ({ result: { ok: true } }) },
  { command: 'FailTask', method: 'POST', path: (ids) => `/tasks/${ids.running}/fail`, valid: () => ({ error: 'boom' }) },
  { command: 'CancelTask', method: 'POST', path: (ids) => `/tasks/${ids.pending}/cancel`, valid: () => ({ reason: 'not needed' }) },
];
const ROUTES_WITH_ID = ROUTES.filter((route) => route.command !== 'RegisterAgent' && route.command !== 'SubmitTask');
const route = (command: string) => ROUTES.find((candidate) => candidate.command === command)!;

interface Refusal {
  command: string;
  what: string;
  status: number;
  /** Field names `errors` must hold (a 400 about fields). */
  fields?: string[];
  /** Replaces the route's path (for malformed ids). */
  path?: (ids: Fixtures) => string;
  body?: (ids: Fixtures) => unknown;
  /** Sent as is, instead of body. */
  rawBody?: string | ((ids: Fixtures) => string);
  headers?: Record<string, string>;
}

const json = { 'content-type': 'application/json' };
const validOf = (command: string) => (ids: Fixtures) => route(command).valid?.(ids) ?? {};
const withField = (command: string, field: string, value: unknown) => (ids: Fixtures) => ({ ...validOf(command)(ids), [field]: value });
const without = (command: string, field: string) => (ids: Fixtures) => {
  const { [field]: _dropped, ...rest } = validOf(command)(ids);
  return rest;
};
/** A JSON body of exactly `bytes` bytes: {"pad":"xxx..."}. */
const bodyOfBytes = (bytes: number) => JSON.stringify({ pad: 'x'.repeat(bytes - '{"pad":""}'.length) });
/** A SubmitTask body of exactly `bytes` bytes, padded in its payload. */
const submitBodyOfBytes = (agentId: string, bytes: number) => {
  const base = JSON.stringify({ agentId, type: 'crawl.page', payload: { pad: '' } });
  return JSON.stringify({ agentId, type: 'crawl.page', payload: { pad: 'x'.repeat(bytes - base.length) } });
};
const A_UUID = '7b0c3c1e-3f7a-4d55-9a3e-8c1f0b6d2a41';

function forEveryRoute(): Refusal[] {
  return ROUTES.flatMap(({ command }): Refusal[] => {
    const body = validOf(command);
    const validText = (ids: Fixtures) => JSON.stringify(body(ids));
    return [
      { command, what: 'a body that is not valid JSON', status: 400, rawBody: '{"name": ', headers: json },
      { command, what: 'a body that is a JSON array', status: 400, body: (ids) => [body(ids)] },
      { command, what: 'a body that is a JSON string', status: 400, rawBody: '"text"', headers: json },
      { command, what: 'a body that is a JSON number', status: 400, rawBody: '42', headers: json },
      { command, what: 'a body that is JSON null', status: 400, rawBody: 'null', headers: json },
      { command, what: 'an unknown field beside valid ones', status: 400, fields: ['unexpected'], body: (ids) => ({ ...body(ids), unexpected: 1 }) },
      { command, what: 'a body {"x":1}', status: 400, fields: ['x'], body: () => ({ x: 1 }) },
      { command, what: 'an unknown field whose key holds U+0000', status: 400, body: (ids) => ({ ...body(ids), 'k\u0000': 1 }) },
      { command, what: 'its valid body sent as text/plain', status: 400, rawBody: validText, headers: { 'content-type': 'text/plain' } },
      { command, what: 'a form-encoded body', status: 400, rawBody: 'name=a&version=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      { command, what: 'an XML body', status: 400, rawBody: '<agent name="a"/>', headers: { 'content-type': 'application/xml' } },
      { command, what: 'a JSON body of 64 KiB + 1 byte', status: 413, rawBody: bodyOfBytes(64 * 1024 + 1), headers: json },
      { command, what: 'a JSON body of 100 KiB', status: 413, rawBody: bodyOfBytes(100 * 1024), headers: json },
      { command, what: 'a text/plain body over 64 KiB', status: 413, rawBody: 'x'.repeat(70_000), headers: { 'content-type': 'text/plain' } },
      { command, what: 'an Idempotency-Key of 256 characters', status: 400, fields: ['idempotency-key'], body, headers: { 'idempotency-key': 'k'.repeat(256) } },
      { command, what: 'an empty Idempotency-Key', status: 400, fields: ['idempotency-key'], body, headers: { 'idempotency-key': '' } },
    ];
  });
}

function malformedIds(): Refusal[] {
  const bad = ['not-a-uuid', '12345', A_UUID.slice(0, -1), A_UUID.replace('7', 'g'), `${A_UUID}0`, `%7B${A_UUID}%7D`];
  return ROUTES_WITH_ID.flatMap(({ command, path, valid }) =>
    bad.map((id): Refusal => ({
      command,
      what: `the malformed path id ${id}`,
      status: 400,
      fields: ['id'],
      path: (ids) => path(ids).replace(/[0-9a-f-]{36}/, id),
      body: valid,
    })),
  );
}

function badIfMatch(): Refusal[] {
  return ROUTES_WITH_ID.flatMap(({ command, valid }) =>
    ['3', 'W/"3"', '"abc"', '"1', '"-1"'].map((tag): Refusal => ({
      command,
      what: `If-Match: ${tag}`,
      status: 400,
      fields: ['if-match'],
      body: valid,
      headers: { 'if-match': tag },
    })),
  );
}

const WRONG_TYPES: unknown[] = [1, true, null, [], {}];
const NOT_OBJECTS: unknown[] = [[], ['a'], 'text', 1, true, null];

function fieldCases(command: string, field: string, values: unknown[], label = (value: unknown) => JSON.stringify(value)): Refusal[] {
  return values.map((value) => ({
    command,
    what: `${field} set to ${label(value)}`,
    status: 400,
    fields: [field],
    body: withField(command, field, value),
  }));
}

const long = (length: number, char = 'x') => char.repeat(length);
const lengthLabel = (value: unknown) => (typeof value === 'string' && value.length > 20 ? `a string of ${value.length} characters (${[...value].length} code points)` : JSON.stringify(value));

function registerAgent(): Refusal[] {
  const c = 'RegisterAgent';
  return [
    ...fieldCases(c, 'name', WRONG_TYPES),
    ...fieldCases(c, 'version', WRONG_TYPES),
    ...fieldCases(c, 'config', NOT_OBJECTS),
    ...fieldCases(c, 'id', ['abc', 1, null, '', `${A_UUID}0`, A_UUID.replace(/-/g, '')]),
    ...fieldCases(c, 'name', ['', long(256), long(128, '😀')], lengthLabel),
    ...fieldCases(c, 'version', ['', long(51)], lengthLabel),
    { command: c, what: 'no name', status: 400, fields: ['name'], body: without(c, 'name') },
    { command: c, what: 'no version', status: 400, fields: ['version'], body: without(c, 'version') },
    { command: c, what: 'a config of 32 KiB + 1 byte', status: 400, fields: ['config'], body: withField(c, 'config', { a: long(32 * 1024 + 1 - 8) }) },
    { command: c, what: 'a config of 32 KiB + 2 bytes in 16381 two-byte characters', status: 400, fields: ['config'], body: withField(c, 'config', { a: long(16381, 'é') }) },
    { command: c, what: 'U+0000 inside the name', status: 400, fields: ['name'], body: withField(c, 'name', 'a\u0000b') },
    { command: c, what: 'U+0000 inside a config value', status: 400, fields: ['config.k'], body: withField(c, 'config', { k: 'v\u0000' }) },
    { command: c, what: 'U+0000 inside a config key', status: 400, body: withField(c, 'config', { 'k\u0000': 'v' }) },
    { command: c, what: 'U+0000 deep inside the config', status: 400, body: withField(c, 'config', { a: { b: ['ok', 'x\u0000'] } }) },
    {
      command: c,
      what: 'three invalid fields at once',
      status: 400,
      fields: ['name', 'version', 'config'],
      body: () => ({ name: '', version: 7, config: [] }),
    },
  ];
}

function updateAgent(): Refusal[] {
  const c = 'UpdateAgent';
  return [
    { command: c, what: 'an empty object', status: 400, body: () => ({}) },
    { command: c, what: 'no body at all', status: 400 },
    { command: c, what: 'no body with a JSON content type', status: 400, rawBody: '', headers: json },
    ...fieldCases(c, 'name', WRONG_TYPES),
    ...fieldCases(c, 'version', WRONG_TYPES),
    ...fieldCases(c, 'config', NOT_OBJECTS),
    ...fieldCases(c, 'name', ['', long(256)], lengthLabel),
    ...fieldCases(c, 'version', ['', long(51)], lengthLabel),
    { command: c, what: 'a config of 32 KiB + 1 byte', status: 400, fields: ['config'], body: () => ({ config: { a: long(32 * 1024 + 1 - 8) } }) },
    { command: c, what: 'a status field', status: 400, fields: ['status'], body: () => ({ status: 'retired' }) },
    { command: c, what: 'an id field', status: 400, fields: ['id'], body: () => ({ id: A_UUID, version: '3' }) },
    { command: c, what: 'a revision field', status: 400, fields: ['revision'], body: () => ({ revision: 9, version: '3' }) },
    { command: c, what: 'U+0000 inside the version', status: 400, fields: ['version'], body: () => ({ version: '1\u0000' }) },
    { command: c, what: 'U+0000 inside a config key', status: 400, body: () => ({ config: { 'a\u0000b': 1 } }) },
  ];
}

function submitTask(): Refusal[] {
  const c = 'SubmitTask';
  return [
    ...fieldCases(c, 'agentId', ['abc', 1, null, '', `${A_UUID}0`, [A_UUID], { id: A_UUID }]),
    ...fieldCases(c, 'type', [1, null, [], {}]),
    ...fieldCases(c, 'type', ['', long(101)], lengthLabel),
    ...fieldCases(c, 'type', ['Crawl.page', 'CRAWL', '.crawl', '-crawl', '_crawl', ':crawl', 'crawl page', ' crawl', 'crawl\n', 'crawl/page', 'tâche', 'crawl😀', 'ｃｒａｗｌ']),
    ...fieldCases(c, 'payload', NOT_OBJECTS),
    ...fieldCases(c, 'id', ['abc', 1, null, `${A_UUID}0`]),
    { command: c, what: 'no agentId', status: 400, fields: ['agentId'], body: without(c, 'agentId') },
    { command: c, what: 'no type', status: 400, fields: ['type'], body: without(c, 'type') },
    { command: c, what: 'a status field', status: 400, fields: ['status'], body: withField(c, 'status', 'running') },
    { command: c, what: 'U+0000 inside a payload value', status: 400, fields: ['payload.url'], body: withField(c, 'payload', { url: 'http://x/\u0000' }) },
    { command: c, what: 'U+0000 inside a payload key', status: 400, body: withField(c, 'payload', { 'u\u0000': 1 }) },
    { command: c, what: 'a payload that makes the body 64 KiB + 1 byte', status: 413, rawBody: (ids) => submitBodyOfBytes(ids.agent, 64 * 1024 + 1), headers: json },
  ];
}

function taskBodies(): Refusal[] {
  return [
    ...fieldCases('CompleteTask', 'result', NOT_OBJECTS),
    { command: 'CompleteTask', what: 'U+0000 inside a result value', status: 400, fields: ['result.k'], body: () => ({ result: { k: '\u0000' } }) },
    { command: 'CompleteTask', what: 'U+0000 inside a result key', status: 400, body: () => ({ result: { '\u0000': 1 } }) },
    { command: 'FailTask', what: 'no error', status: 400, fields: ['error'], body: () => ({}) },
    { command: 'FailTask', what: 'no body at all', status: 400, fields: ['error'] },
    ...fieldCases('FailTask', 'error', WRONG_TYPES),
    ...fieldCases('FailTask', 'error', ['', long(2001)], lengthLabel),
    { command: 'FailTask', what: 'U+0000 inside the error', status: 400, fields: ['error'], body: () => ({ error: 'bad\u0000' }) },
    ...fieldCases('CancelTask', 'reason', WRONG_TYPES),
    ...fieldCases('CancelTask', 'reason', [long(2001)], lengthLabel),
    { command: 'CancelTask', what: 'U+0000 inside the reason', status: 400, fields: ['reason'], body: () => ({ reason: '\u0000' }) },
  ];
}

const REFUSALS: Refusal[] = [
  ...forEveryRoute(),
  ...malformedIds(),
  ...badIfMatch(),
  ...registerAgent(),
  ...updateAgent(),
  ...submitTask(),
  ...taskBodies(),
];

let fx: WriteAgentFixture;
let ids: Fixtures;

interface Counts {
  events: number;
  agents: number;
  tasks: number;
  idempotency_keys: number;
}

async function counts(): Promise<Counts> {
  const { rows } = await fx.db.sql.query<Counts>(`
    SELECT (SELECT count(*)::int FROM events) AS events, (SELECT count(*)::int FROM agents) AS agents,
           (SELECT count(*)::int FROM tasks) AS tasks, (SELECT count(*)::int FROM idempotency_keys) AS idempotency_keys`);
  return rows[0];
}

async function send(refusal: Refusal) {
  const { method, path } = route(refusal.command);
  const url = (refusal.path ?? path)(ids);
  const headers = refusal.headers;
  if (refusal.rawBody !== undefined) {
    const rawBody = typeof refusal.rawBody === 'string' ? refusal.rawBody : refusal.rawBody(ids);
    return fx.http.request(method, url, { rawBody, headers });
  }
  return fx.http.request(method, url, { body: refusal.body?.(ids), headers });
}

beforeAll(async () => {
  fx = await startWriteAgent('bad_input');
  const agent = await fx.http.post('/agents', { name: 'fixture-agent', version: '1.0.0' });
  const pending = await fx.http.post('/tasks', { agentId: agent.body.id, type: 'fixture.pending' });
  const running = await fx.http.post('/tasks', { agentId: agent.body.id, type: 'fixture.running' });
  const started = await fx.http.post(`/tasks/${running.body.id}/start`);
  expect([agent.status, pending.status, running.status, started.status]).toEqual([201, 201, 201, 200]);
  ids = { agent: agent.body.id, pending: pending.body.id, running: running.body.id };
});
afterAll(async () => {
  await fx?.stop();
});

describe('the write agent refuses bad input', () => {
  let before: Counts;
  beforeAll(async () => {
    before = await counts();
  });

  it.each(REFUSALS.map((refusal) => [`${refusal.command} refuses ${refusal.what} with ${refusal.status}`, refusal] as const))(
    '%s',
    async (_name, refusal) => {
      expectProblem(await send(refusal), refusal.status, refusal.fields);
    },
  );

  it('leaves no row behind after all those refusals', async () => {
    expect(await counts()).toEqual(before);
    const { rows: agents } = await fx.db.sql.query<{ id: string; status: string; version: string; revision: number }>(
      'SELECT id, status, version, revision FROM agents',
    );
    expect(agents).toEqual([{ id: ids.agent, status: 'active', version: '1.0.0', revision: 1 }]);
    const { rows: tasks } = await fx.db.sql.query('SELECT id, status, revision FROM tasks ORDER BY created_at');
    expect(tasks).toEqual([
      { id: ids.pending, status: 'pending', revision: 1 },
      { id: ids.running, status: 'running', revision: 2 },
    ]);
  });
});

describe('the write agent accepts the boundary values', () => {
  // Fixtures of its own, so that a refusal wrongly accepted above cannot break these.
  let own: Fixtures;
  beforeAll(async () => {
    const agent = await fx.http.post('/agents', { name: 'boundary-agent', version: '1.0.0' });
    const pending = await fx.http.post('/tasks', { agentId: agent.body.id, type: 'boundary.pending' });
    const running = await fx.http.post('/tasks', { agentId: agent.body.id, type: 'boundary.running' });
    await fx.http.post(`/tasks/${running.body.id}/start`);
    own = { agent: agent.body.id, pending: pending.body.id, running: running.body.id };
  });

  it('registers an agent with a name of 255, a version of 50 and a config of exactly 32 KiB, under an upper-case id', async () => {
    const id = randomUUID();
    const config = { a: long(32 * 1024 - 8) };
    expect(Buffer.byteLength(JSON.stringify(config))).toBe(32 * 1024);
    const answer = await fx.http.post('/agents', { name: long(255, 'n'), version: long(50, 'v'), config, id: id.toUpperCase() });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    expect(answer.body.id).toBe(id);
    expect(answer.headers.get('location')).toBe(`/agents/${id}`);
    const { rows } = await fx.db.sql.query('SELECT length(name) AS name, length(version) AS version FROM agents WHERE id = $1', [id]);
    expect(rows).toEqual([{ name: 255, version: 50 }]);
  });

  it('takes an Idempotency-Key of 255 characters', async () => {
    const answer = await fx.http.post('/agents', { name: 'keyed-agent', version: '1' }, { 'idempotency-key': long(255, 'k') });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  });

  it('counts string lengths as JavaScript does: 127 emoji and one letter make a name of 255', async () => {
    const name = `${long(127, '😀')}a`;
    expect(name.length).toBe(255);
    const answer = await fx.http.post('/agents', { name, version: '1' });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  });

  it('measures config in bytes: 16380 two-byte characters (32 KiB of JSON) are accepted', async () => {
    const config = { a: long(16380, 'é') };
    expect(Buffer.byteLength(JSON.stringify(config))).toBe(32 * 1024);
    const answer = await fx.http.patch(`/agents/${own.agent}`, { config });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  });

  it('takes an upper-case id in the path and answers it in lower case', async () => {
    const answer = await fx.http.patch(`/agents/${own.agent.toUpperCase()}`, { version: long(50, '9') });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.id).toBe(own.agent);
  });

  it('submits a task with a type of 100 characters, an upper-case agentId and a body of exactly 64 KiB', async () => {
    const type = `a${long(98, '.')}z`;
    const base = JSON.stringify({ agentId: own.agent.toUpperCase(), type, payload: { pad: '' } });
    const rawBody = JSON.stringify({ agentId: own.agent.toUpperCase(), type, payload: { pad: long(64 * 1024 - base.length) } });
    expect(Buffer.byteLength(rawBody)).toBe(64 * 1024);
    const answer = await fx.http.request('POST', '/tasks', { rawBody, headers: json });
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    const { rows } = await fx.db.sql.query('SELECT agent_id, type FROM tasks WHERE id = $1', [answer.body.id]);
    expect(rows).toEqual([{ agent_id: own.agent, type }]);
    expect((await fx.http.post(`/tasks/${answer.body.id}/cancel`)).status).toBe(200);
  });

  it('accepts task types made of every allowed character', async () => {
    for (const type of ['0', 'a', 'a.b_c:d-e', '9lives', 'x..--__::']) {
      const answer = await fx.http.post('/tasks', { agentId: own.agent, type });
      expect(answer.status, `${type}: ${JSON.stringify(answer.body)}`).toBe(201);
      expect((await fx.http.post(`/tasks/${answer.body.id}/cancel`)).status).toBe(200);
    }
  });

  it('takes {} and no body at all on a command that takes none, with or without a JSON content type', async () => {
    expect((await fx.http.post(`/agents/${own.agent}/pause`, {})).status).toBe(200);
    expect((await fx.http.post(`/agents/${own.agent}/resume`)).status).toBe(200);
    const pause = await fx.http.request('POST', `/agents/${own.agent}/pause`, { rawBody: '', headers: json });
    expect(pause.status, JSON.stringify(pause.body)).toBe(200);
    expect((await fx.http.request('POST', `/agents/${own.agent}/resume`, { rawBody: '{ }', headers: json })).status).toBe(200);
  });

  it('fails a task with an error of 2000 characters', async () => {
    expect((await fx.http.post(`/tasks/${own.pending}/start`, {})).status).toBe(200);
    const answer = await fx.http.post(`/tasks/${own.pending}/fail`, { error: long(2000, 'e') });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  });

  it('cancels a task with a reason of 2000 characters and keeps it in the event', async () => {
    const task = await fx.http.post('/tasks', { agentId: own.agent, type: 'to.cancel' });
    const answer = await fx.http.post(`/tasks/${task.body.id}/cancel`, { reason: long(2000, 'r') });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const { rows } = await fx.db.sql.query(
      `SELECT length(data->>'reason') AS reason FROM events WHERE aggregate_id = $1 AND type = 'TaskCancelled'`,
      [task.body.id],
    );
    expect(rows).toEqual([{ reason: 2000 }]);
  });

  it('cancels a task with an empty reason', async () => {
    const task = await fx.http.post('/tasks', { agentId: own.agent, type: 'to.cancel' });
    expect((await fx.http.post(`/tasks/${task.body.id}/cancel`, { reason: '' })).status).toBe(200);
  });

  it('completes a task without a body', async () => {
    const answer = await fx.http.post(`/tasks/${own.running}/complete`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const { rows } = await fx.db.sql.query('SELECT status, result FROM tasks WHERE id = $1', [own.running]);
    expect(rows).toEqual([{ status: 'completed', result: null }]);
  });

  it('retires the agent with an upper-case path id once its tasks are closed', async () => {
    const answer = await fx.http.post(`/agents/${own.agent.toUpperCase()}/retire`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    expect(answer.body.id).toBe(own.agent);
  });
});
