import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../support/http-client.js';
import { expectProblem } from '../support/problem.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// docs/api.md section 2: HS256 bearer tokens with exp and the commands:write scope, and the
// order in which problems answer: 413, 401, 403, 400, 404, 412, then 409 or 422.

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
const inAnHour = () => Math.floor(Date.now() / 1000) + 3600;

function unsignedToken(): string {
  const header = base64url({ alg: 'none', typ: 'JWT' });
  const payload = base64url({ sub: 'intruder', scope: 'commands:write', exp: inAnHour() });
  return `${header}.${payload}.`;
}

function tokenWithAlgorithm(alg: 'HS384' | 'HS512'): Promise<string> {
  return new SignJWT({ scope: 'commands:write' })
    .setProtectedHeader({ alg })
    .setSubject('test-client')
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

function tokenNotYetValid(): Promise<string> {
  return new SignJWT({ scope: 'commands:write' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('test-client')
    .setNotBefore('1h')
    .setExpirationTime('2h')
    .sign(new TextEncoder().encode(TEST_JWT_SECRET));
}

/** Authorization header values that must all be 401, by what is wrong with them. */
const UNAUTHENTICATED: Array<[string, () => Promise<string | undefined>]> = [
  ['no Authorization header', async () => undefined],
  ['the Basic scheme', async () => `Basic ${Buffer.from('user:password').toString('base64')}`],
  ['Bearer with no token', async () => 'Bearer '],
  ['a garbage bearer token', async () => 'Bearer not-a-jwt'],
  ['a token signed with another secret', async () => `Bearer ${await signToken({ scope: 'commands:write' }, 'another-secret-that-is-at-least-32-chars')}`],
  ['an unsigned token (alg: none)', async () => `Bearer ${unsignedToken()}`],
  ['an HS512 token signed with the right secret', async () => `Bearer ${await tokenWithAlgorithm('HS512')}`],
  ['an HS384 token signed with the right secret', async () => `Bearer ${await tokenWithAlgorithm('HS384')}`],
  ['an expired token', async () => `Bearer ${await signToken({ scope: 'commands:write', expiresIn: Math.floor(Date.now() / 1000) - 60 })}`],
  ['a token without exp', async () => `Bearer ${await signToken({ scope: 'commands:write', expiresIn: null })}`],
  ['a token that is not valid yet (nbf in an hour)', async () => `Bearer ${await tokenNotYetValid()}`],
  ['a token with its signature cut off', async () => `Bearer ${(await signToken({ scope: 'commands:write' })).replace(/\.[^.]+$/, '.')}`],
  ['the raw token without a scheme', async () => signToken({ scope: 'commands:write' })],
];

let fx: WriteAgentFixture;
let anonymous: HttpClient;
let readOnly: HttpClient;
let agentId: string;
let pendingTaskId: string;

beforeAll(async () => {
  fx = await startWriteAgent('auth');
  anonymous = fx.http.withToken(undefined);
  readOnly = fx.http.withToken(await signToken({ scope: 'queries:read' }));
  const agent = await fx.http.post('/agents', { name: 'auth-fixture', version: '1' });
  const task = await fx.http.post('/tasks', { agentId: agent.body.id, type: 'auth.fixture' });
  agentId = agent.body.id;
  pendingTaskId = task.body.id;
});
afterAll(async () => {
  await fx?.stop();
});

const unique = () => `auth-${randomUUID()}`;

describe('authentication of commands', () => {
  it.each(UNAUTHENTICATED)('answers 401 with a Bearer challenge to %s', async (_what, authorization) => {
    const header = await authorization();
    const name = unique();
    const answer = await anonymous.post('/agents', { name, version: '1' }, header === undefined ? {} : { authorization: header });
    expectProblem(answer, 401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    const { rowCount } = await fx.db.sql.query('SELECT 1 FROM agents WHERE name = $1', [name]);
    expect(rowCount).toBe(0);
  });

  it('answers 403 without a challenge to a valid token that holds only queries:read', async () => {
    const name = unique();
    const answer = await readOnly.post('/agents', { name, version: '1' });
    expectProblem(answer, 403);
    expect(answer.headers.get('www-authenticate')).toBeNull();
    const { rowCount } = await fx.db.sql.query('SELECT 1 FROM agents WHERE name = $1', [name]);
    expect(rowCount).toBe(0);
  });

  it('answers 403 to a token whose scope only looks like commands:write', async () => {
    for (const scope of ['commands:writes', 'commands', 'Commands:Write', 'commands:write:all', '']) {
      const answer = await fx.http.withToken(await signToken({ scope })).post('/agents', { name: unique(), version: '1' });
      expect(answer.status, `scope "${scope}"`).toBe(403);
    }
  });

  it('accepts a token that holds both scopes', async () => {
    const client = fx.http.withToken(await signToken({ scope: 'queries:read commands:write' }));
    expect((await client.post('/agents', { name: unique(), version: '1' })).status).toBe(201);
  });

  it('accepts the same valid token on request after request', async () => {
    for (let i = 0; i < 3; i++) expect((await fx.http.post('/agents', { name: unique(), version: '1' })).status).toBe(201);
  });

  const routes: Array<[string, string, () => string]> = [
    ['RegisterAgent', 'POST', () => '/agents'],
    ['UpdateAgent', 'PATCH', () => `/agents/${agentId}`],
    ['PauseAgent', 'POST', () => `/agents/${agentId}/pause`],
    ['ResumeAgent', 'POST', () => `/agents/${agentId}/resume`],
    ['RetireAgent', 'POST', () => `/agents/${agentId}/retire`],
    ['SubmitTask', 'POST', () => '/tasks'],
    ['StartTask', 'POST', () => `/tasks/${pendingTaskId}/start`],
    ['CompleteTask', 'POST', () => `/tasks/${pendingTaskId}/complete`],
    ['FailTask', 'POST', () => `/tasks/${pendingTaskId}/fail`],
    ['CancelTask', 'POST', () => `/tasks/${pendingTaskId}/cancel`],
  ];

  it.each(routes)('guards %s: 401 without a token and 403 with a read-only token', async (_command, method, path) => {
    const before = await fx.db.sql.query('SELECT count(*)::int AS n FROM events');
    expectProblem(await anonymous.request(method, path(), { body: {} }), 401);
    expectProblem(await readOnly.request(method, path(), { body: {} }), 403);
    const after = await fx.db.sql.query('SELECT count(*)::int AS n FROM events');
    expect(after.rows).toEqual(before.rows);
  });
});

describe('operations endpoints', () => {
  it.each(['/health/live', '/health/ready', '/metrics', '/docs', '/docs-json'])('serves %s without a token', async (path) => {
    const answer = await anonymous.get(path);
    expect(answer.status).toBe(200);
  });

  it.each(['/health/live', '/health/ready', '/metrics', '/docs-json'])('serves %s even with a garbage token', async (path) => {
    const answer = await anonymous.get(path, { authorization: 'Bearer garbage' });
    expect(answer.status).toBe(200);
  });
});

describe('which problem answers first', () => {
  const tooLarge = JSON.stringify({ name: 'x'.repeat(70_000), version: '1' });
  const json = { 'content-type': 'application/json' };

  it('answers 413 to a body over 64 KiB sent without a token', async () => {
    expectProblem(await anonymous.request('POST', '/agents', { rawBody: tooLarge, headers: json }), 413);
  });

  it('answers 413 to a body over 64 KiB sent with a read-only token', async () => {
    expectProblem(await readOnly.request('POST', '/agents', { rawBody: tooLarge, headers: json }), 413);
  });

  it('answers 413 to a body over 64 KiB of another content type sent without a token', async () => {
    expectProblem(await anonymous.request('POST', '/agents', { rawBody: tooLarge, headers: { 'content-type': 'text/plain' } }), 413);
  });

  it('answers 401 to a malformed JSON body sent without a token', async () => {
    expectProblem(await anonymous.request('POST', '/agents', { rawBody: '{"name":', headers: json }), 401);
  });

  it('answers 401 to a body that is not JSON sent without a token', async () => {
    expectProblem(await anonymous.request('POST', '/agents', { rawBody: 'name=a', headers: { 'content-type': 'text/plain' } }), 401);
  });

  it('answers 401 to a malformed path id sent without a token', async () => {
    expectProblem(await anonymous.post('/agents/not-a-uuid/pause'), 401);
  });

  it('answers 403 to a malformed JSON body sent with a read-only token', async () => {
    expectProblem(await readOnly.request('POST', '/agents', { rawBody: '{"name":', headers: json }), 403);
  });

  it('answers 403 to an invalid body and a bad If-Match sent with a read-only token', async () => {
    expectProblem(await readOnly.patch(`/agents/${agentId}`, { name: '' }, { 'if-match': 'W/"1"' }), 403);
  });

  it('answers 400 to a malformed JSON body sent with a valid token', async () => {
    expectProblem(await fx.http.request('POST', '/agents', { rawBody: '{"name":', headers: json }), 400);
  });

  it('answers 400 to an invalid body for an unknown id (400 before 404)', async () => {
    expectProblem(await fx.http.patch(`/agents/${randomUUID()}`, { name: '' }), 400, ['name']);
  });

  it('answers 400 to a malformed If-Match for an unknown id (400 before 404)', async () => {
    expectProblem(await fx.http.post(`/agents/${randomUUID()}/pause`, undefined, { 'if-match': '1' }), 400, ['if-match']);
  });

  it('answers 404 to a well-formed unknown id', async () => {
    expectProblem(await fx.http.post(`/agents/${randomUUID()}/pause`), 404);
    expectProblem(await fx.http.post(`/tasks/${randomUUID()}/start`), 404);
    expectProblem(await fx.http.patch(`/agents/${randomUUID()}`, { version: '2' }), 404);
  });

  it('answers 404 rather than 412 to an unknown id sent with If-Match', async () => {
    expectProblem(await fx.http.post(`/agents/${randomUUID()}/pause`, undefined, { 'if-match': '"7"' }), 404);
    expectProblem(await fx.http.post(`/tasks/${randomUUID()}/cancel`, undefined, { 'if-match': '"1"' }), 404);
  });

  it('answers 412 to an If-Match that does not match an existing aggregate, and changes nothing', async () => {
    const agent = await fx.http.post('/agents', { name: unique(), version: '1' });
    const answer = await fx.http.patch(`/agents/${agent.body.id}`, { version: '2' }, { 'if-match': '"5"' });
    expectProblem(answer, 412);
    const { rows } = await fx.db.sql.query('SELECT version, revision FROM agents WHERE id = $1', [agent.body.id]);
    expect(rows).toEqual([{ version: '1', revision: 1 }]);
  });

  it('answers 412 rather than 409 when If-Match mismatches a command the state also refuses', async () => {
    const agent = await fx.http.post('/agents', { name: unique(), version: '1' });
    // resume is refused (409) for an active agent; the stale revision answers first
    expectProblem(await fx.http.post(`/agents/${agent.body.id}/resume`, undefined, { 'if-match': '"2"' }), 412);
    expectProblem(await fx.http.post(`/agents/${agent.body.id}/resume`, undefined, { 'if-match': '"1"' }), 409);
  });

  it('answers 401 rather than 404 to an unknown id without a token', async () => {
    expectProblem(await anonymous.post(`/agents/${randomUUID()}/pause`), 401);
  });
});
