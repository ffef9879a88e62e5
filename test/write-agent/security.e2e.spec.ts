import { randomUUID } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient, type Answer } from '../support/http-client.js';
import { startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// docs/api.md section 2, "Security headers" and "CORS": on every answer of both agents,
// whatever its status and whoever serves it (Nest routes, the read agent's direct routes,
// Fastify's 404 and URL errors, health, metrics, docs).

const ALLOWED = 'https://app.example.com';
const ALSO_ALLOWED = 'http://localhost:5173';
const OTHER = 'https://evil.example.net';
const CORS_ORIGINS = `${ALLOWED}, ${ALSO_ALLOWED}`;

let writer: WriteAgentFixture;
let reader: ReadAgentFixture;
/**
 * A read agent without CORS_ORIGINS whose only database is reached through `proxy`; the
 * proxy is closed once it is ready, so its queries and readiness answer 503.
 */
let broken: ReadAgentFixture;
let proxy: { server: Server; sockets: Set<Socket> };

/** A TCP proxy to a PostgreSQL URL: the URL to use, and the proxy to close. */
async function proxyTo(url: string): Promise<{ url: string; server: Server; sockets: Set<Socket> }> {
  const target = new URL(url);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(Number(target.port), target.hostname);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const proxied = new URL(url);
  proxied.hostname = '127.0.0.1';
  proxied.port = String((server.address() as { port: number }).port);
  return { url: proxied.toString(), server, sockets };
}
let agent: string;

beforeAll(async () => {
  writer = await startWriteAgent('security', { CORS_ORIGINS });
  reader = await startReadAgent({
    DATABASE_URL: writer.db.primaryUrl,
    DATABASE_REPLICA_URLS: writer.db.replicaUrls.join(','),
    CORS_ORIGINS,
  });
  const proxied = await proxyTo(writer.db.primaryUrl);
  proxy = proxied;
  broken = await startReadAgent({ DATABASE_URL: proxied.url, DATABASE_REPLICA_URLS: '' });
  proxied.server.close();
  for (const socket of proxied.sockets) socket.destroy();
  agent = (await writer.http.post('/agents', { name: `security-${randomUUID()}`, version: '1' })).body.id;
});

afterAll(async () => {
  await broken?.stop();
  proxy?.server.close();
  await reader?.stop();
  await writer?.stop();
});

function expectSecurityHeaders(answer: Answer, what: string): void {
  expect(answer.headers.get('x-content-type-options'), what).toBe('nosniff');
  expect(answer.headers.get('x-frame-options'), what).toBe('DENY');
  expect(answer.headers.get('content-security-policy'), what).toContain("frame-ancestors 'none'");
  expect(answer.headers.get('x-powered-by'), what).toBeNull();
  expect(answer.headers.get('server'), what).toBeNull();
}

const corsHeaders = (answer: Answer) => [...answer.headers.keys()].filter((name) => name.startsWith('access-control-'));

describe('security headers', () => {
  it('are on every answer of the write agent: 2xx, 4xx, unknown routes, bad URLs, health, metrics, docs', async () => {
    const anonymous = new HttpClient(writer.agent.url);
    const answers: Array<[string, Answer, number | number[]]> = [
      ['201 RegisterAgent', await writer.http.post('/agents', { name: `security-${randomUUID()}`, version: '1' }), 201],
      ['200 PauseAgent', await writer.http.post(`/agents/${agent}/pause`), 200],
      ['400 invalid body', await writer.http.post('/agents', { name: '' }), 400],
      ['400 malformed JSON', await writer.http.request('POST', '/agents', { rawBody: '{', headers: { 'content-type': 'application/json' } }), 400],
      ['401 no token', await anonymous.post('/agents', { name: 'x', version: '1' }), 401],
      ['404 unknown id', await writer.http.post(`/agents/${randomUUID()}/pause`), 404],
      ['404 unknown route', await anonymous.get('/no/such/route'), 404],
      ['404 OPTIONS without CORS', await anonymous.request('OPTIONS', '/agents'), 404],
      ['400 undecodable URL', await anonymous.get('/agents/%E0%A4%A'), 400],
      ['400 or 414 long path id', await writer.http.post(`/agents/${'a'.repeat(200)}/pause`), [400, 414]],
      ['413 body too large', await writer.http.post('/agents', { name: 'x'.repeat(70_000), version: '1' }), 413],
      ['200 /health/live', await anonymous.get('/health/live'), 200],
      ['200 /health/ready', await anonymous.get('/health/ready'), 200],
      ['200 /metrics', await anonymous.get('/metrics'), 200],
      ['200 /docs', await anonymous.get('/docs'), 200],
      ['200 /docs-json', await anonymous.get('/docs-json'), 200],
    ];
    for (const [what, answer, status] of answers) {
      expect([status].flat(), `${what}: ${answer.status}`).toContain(answer.status);
      expectSecurityHeaders(answer, what);
    }
  });

  it('are on every answer of the read agent: Nest and direct routes, 304, 4xx, 5xx', async () => {
    const anonymous = new HttpClient(reader.agent.url);
    const toBroken = new HttpClient(broken.agent.url, await signToken({ scope: 'queries:read' }));
    const lookup = await reader.http.get(`/agents/${agent}`);
    const answers: Array<[string, Answer, number]> = [
      ['200 direct route', lookup, 200],
      ['304 direct route', await reader.http.get(`/agents/${agent}`, { 'if-none-match': lookup.headers.get('etag')! }), 304],
      ['200 HEAD direct route', await reader.http.request('HEAD', `/agents/${agent}`), 200],
      ['404 direct route', await reader.http.get(`/agents/${randomUUID()}`), 404],
      ['400 direct route', await reader.http.get('/agents/not-a-uuid'), 400],
      ['401 direct route', await anonymous.get(`/agents/${agent}`), 401],
      ['200 Nest route', await reader.http.get('/agents?limit=2'), 200],
      ['400 Nest route', await reader.http.get('/agents?limit=abc'), 400],
      ['401 Nest route', await anonymous.get('/agents'), 401],
      ['404 unknown route', await anonymous.get('/nothing'), 404],
      ['200 /health/ready', await anonymous.get('/health/ready'), 200],
      ['200 /metrics', await anonymous.get('/metrics'), 200],
      ['200 /docs', await anonymous.get('/docs'), 200],
      ['503 query, every store down', await toBroken.get('/agents'), 503],
      ['503 direct route, every store down', await toBroken.get(`/agents/${agent}`), 503],
      ['503 /health/ready, every store down', await new HttpClient(broken.agent.url).get('/health/ready'), 503],
    ];
    for (const [what, answer, status] of answers) {
      expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).toBe(status);
      expectSecurityHeaders(answer, what);
    }
  });

  it('leave Swagger UI working: no inline script, every asset served with its own type under a CSP that allows it', async () => {
    for (const url of [writer.agent.url, reader.agent.url]) {
      const http = new HttpClient(url);
      const page = await http.get('/docs');
      expect(page.headers.get('content-type')).toMatch(/^text\/html/);
      const policy = page.headers.get('content-security-policy')!;
      expect(policy).toContain("script-src 'self'");
      expect(policy).toContain("style-src 'self' 'unsafe-inline'");
      expect(policy).toContain("img-src 'self' data:");
      expect(policy).toContain("connect-src 'self'");
      const html = String(page.body);
      // Inline scripts would be blocked by script-src 'self': every script has a src.
      for (const [, attributes, body] of html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)) {
        expect(attributes).toMatch(/\bsrc=/);
        expect(body.trim()).toBe('');
      }
      const assets = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map(([, src]) => new URL(src, `${url}/docs`).pathname);
      expect(assets.length).toBeGreaterThanOrEqual(4);
      for (const asset of assets) {
        const answer = await http.get(asset);
        expect(answer.status, asset).toBe(200);
        expectSecurityHeaders(answer, asset);
        // With nosniff a browser runs a script only when it is served as JavaScript.
        expect(answer.headers.get('content-type'), asset).toMatch(asset.endsWith('.js') ? /javascript/ : /^text\/css/);
      }
      // The init script points Swagger UI at the document, which it fetches from 'self'.
      const init = await http.get('/docs/swagger-ui-init.js');
      expect(String(init.body)).toContain('"openapi"');
    }
  });
});

describe('CORS', () => {
  const preflight = (url: string, path: string, origin: string, method = 'POST') =>
    new HttpClient(url).request('OPTIONS', path, {
      headers: {
        origin,
        'access-control-request-method': method,
        'access-control-request-headers': 'authorization, content-type, idempotency-key',
      },
    });

  it('answers a preflight from an allowed origin with the methods and headers of the API', async () => {
    const cases: Array<[string, string, string, string]> = [
      [writer.agent.url, '/agents', ALLOWED, 'POST'],
      [writer.agent.url, `/agents/${agent}`, ALSO_ALLOWED, 'PATCH'],
      [reader.agent.url, `/agents/${agent}`, ALLOWED, 'GET'],
      [reader.agent.url, '/agents', ALLOWED, 'GET'],
    ];
    for (const [url, path, origin, method] of cases) {
      const answer = await preflight(url, path, origin, method);
      const what = `${method} ${path} from ${origin}`;
      expect(answer.status, what).toBe(204);
      expect(answer.headers.get('access-control-allow-origin'), what).toBe(origin);
      expect(answer.headers.get('access-control-allow-credentials'), what).toBeNull();
      expect(answer.headers.get('x-request-id'), what).toBeTruthy();
      expect(answer.headers.get('vary'), what).toMatch(/\borigin\b/i);
      const methods = answer.headers.get('access-control-allow-methods')!.split(/,\s*/);
      expect(methods, what).toEqual(expect.arrayContaining(['GET', 'HEAD', 'POST', 'PATCH']));
      const headers = answer.headers.get('access-control-allow-headers')!.toLowerCase().split(/,\s*/);
      expect(headers, what).toEqual(
        expect.arrayContaining(['authorization', 'content-type', 'if-match', 'if-none-match', 'idempotency-key', 'x-request-id', 'x-min-position']),
      );
      expectSecurityHeaders(answer, what);
    }
  });

  it('lets an allowed origin read the answer and its headers', async () => {
    const cases: Array<[string, Answer]> = [
      ['write agent', await writer.http.post('/agents', { name: `cors-${randomUUID()}`, version: '1' }, { origin: ALLOWED })],
      ['read agent, direct route', await reader.http.get(`/agents/${agent}`, { origin: ALLOWED })],
      ['read agent, Nest route', await reader.http.get('/agents?limit=1', { origin: ALSO_ALLOWED })],
      ['read agent, 401', await new HttpClient(reader.agent.url).get('/agents', { origin: ALLOWED })],
      ['write agent, undecodable URL', await new HttpClient(writer.agent.url).get('/agents/%E0%A4%A', { origin: ALLOWED })],
    ];
    for (const [what, answer] of cases) {
      expect(answer.headers.get('access-control-allow-origin'), what).toBe(what.includes('Nest route') ? ALSO_ALLOWED : ALLOWED);
      expect(answer.headers.get('vary'), what).toMatch(/\borigin\b/i);
      const exposed = answer.headers.get('access-control-expose-headers')!.toLowerCase().split(/,\s*/);
      expect(exposed, what).toEqual(
        expect.arrayContaining(['etag', 'location', 'x-request-id', 'x-data-source', 'idempotent-replayed', 'retry-after']),
      );
    }
  });

  it('gives no CORS header to an origin that is not allowed, nor to a request without Origin', async () => {
    const answers: Array<[string, Answer]> = [
      ['preflight, write agent', await preflight(writer.agent.url, '/agents', OTHER)],
      ['preflight, read agent', await preflight(reader.agent.url, `/agents/${agent}`, OTHER, 'GET')],
      ['preflight, allowed origin with a path', await preflight(writer.agent.url, '/agents', `${ALLOWED}/`)],
      ['preflight, allowed host on another scheme', await preflight(writer.agent.url, '/agents', 'http://app.example.com')],
      ['command', await writer.http.post('/agents', { name: `cors-${randomUUID()}`, version: '1' }, { origin: OTHER })],
      ['query', await reader.http.get(`/agents/${agent}`, { origin: OTHER })],
      ['no Origin', await reader.http.get(`/agents/${agent}`)],
    ];
    for (const [what, answer] of answers) {
      expect(corsHeaders(answer), what).toEqual([]);
      if (what.startsWith('preflight')) expect(answer.status, what).not.toBe(204);
    }
  });

  it('is closed when CORS_ORIGINS is unset', async () => {
    const answer = await preflight(broken.agent.url, '/agents', ALLOWED, 'GET');
    expect(answer.status).toBe(404);
    expect(corsHeaders(answer)).toEqual([]);
    expect(corsHeaders(await new HttpClient(broken.agent.url).get('/health/live', { origin: ALLOWED }))).toEqual([]);
  });
});

describe('logs', () => {
  it('hold neither the JWT secret nor any token, wherever a client put one', async () => {
    const commands = await signToken({ sub: `logs-${randomUUID()}`, scope: 'commands:write' });
    const queries = await signToken({ sub: `logs-${randomUUID()}`, scope: 'queries:read' });
    const forged = await signToken({ scope: 'queries:read' }, 'another-secret-that-is-at-least-32-characters');
    // Short enough (< 128 characters) to pass as a request id.
    const short = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(TEST_JWT_SECRET));
    expect(short.length).toBeLessThanOrEqual(128);
    const tokens = [commands, queries, forged, short];

    const writes = new HttpClient(writer.agent.url, commands);
    const reads = new HttpClient(reader.agent.url, queries);
    const toBroken = new HttpClient(broken.agent.url, queries);
    const anonymous = (url: string) => new HttpClient(url);
    const sent: Array<Promise<Answer>> = [];
    for (const token of tokens) {
      sent.push(
        writes.post('/agents', { name: `logs-${randomUUID()}`, version: '1' }, { 'x-request-id': token.slice(0, 128) }),
        writes.post('/agents', { name: token, version: token }),
        writes.post('/agents', { name: 'x', version: '1', token }),
        writes.request('POST', '/agents', { rawBody: `{"name":"${token}"`, headers: { 'content-type': 'application/json' } }),
        writes.post(`/agents/${token}/pause`),
        writes.post(`/agents/${agent}/pause?access_token=${token}`),
        writes.patch(`/agents/${agent}`, { version: '2' }, { 'if-match': token, 'idempotency-key': token.slice(0, 200) }),
        anonymous(writer.agent.url).post('/agents', { name: 'x', version: '1' }, { authorization: token }),
        anonymous(writer.agent.url).post('/agents', { name: 'x', version: '1' }, { authorization: `Bearer ${token}x` }),
        anonymous(writer.agent.url).get(`/docs?token=${token}`, { cookie: `session=${token}`, 'x-api-key': token }),
        reads.get(`/agents/${agent}`, { 'x-request-id': short, 'x-min-position': token }),
        reads.get(`/agents?token=${token}&limit=1`),
        reads.get(`/agents/${token}`),
        reads.get(`/tasks?agentId=${token}`),
        reads.get(`/no/such/route/${token}`),
        anonymous(reader.agent.url).get(`/stats?jwt=${token}`, { authorization: `Bearer ${token}` }),
        toBroken.get(`/agents/${agent}?token=${token}`, { 'x-request-id': short }),
        toBroken.get(`/agents?limit=1&token=${token}`),
      );
    }
    const answers = await Promise.all(sent);
    for (const answer of answers) {
      expect(answer.status).toBeLessThan(500 + (answer.headers.get('retry-after') ? 100 : 0));
      // A token is never taken as the request id, which is echoed, logged and stored in events.
      const requestId = answer.headers.get('x-request-id') ?? '';
      expect(requestId).not.toContain('eyJ');
    }

    // Stopped, so that every line they buffered is written; afterAll's stop() is then a no-op.
    await Promise.all([writer.agent.stop(), reader.agent.stop(), broken.agent.stop()]);
    const lines = [writer.agent, reader.agent, broken.agent].flatMap((process) => process.output());
    // The scan reads what was logged: most of these requests have their access line.
    expect(lines.filter((line) => line.includes('request completed')).length).toBeGreaterThan(answers.length / 2);
    const secrets = [TEST_JWT_SECRET, ...tokens, ...tokens.map((token) => token.split('.')[2]!)];
    for (const line of lines) {
      for (const secret of secrets) expect(line.includes(secret), `a secret or token in: ${line}`).toBe(false);
      expect(line, 'a JWT-shaped string').not.toMatch(/eyJ[\w-]*\.[\w-]*\.[\w-]*/);
    }
  });
});
