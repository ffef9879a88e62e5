import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../support/http-client.js';
import { waitForLogLine } from '../support/logs.js';
import { expectProblem } from '../support/problem.js';
import { startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { signToken } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// The lookups (GetAgent, GetTask, GetStats, GetHistory) are Fastify routes outside Nest's router
// (docs/adr/0002). They must keep everything a Nest route gets from the platform: request
// ids, access logs, metrics, the shared rate limit, problem+json. Without Redis here: the
// views come from the replica, which is all these checks need.

let writer: WriteAgentFixture;
let reader: ReadAgentFixture;
let agent: string;
let task: string;
const direct = () => [`/agents/${agent}`, `/tasks/${task}`, '/stats', `/agents/${agent}/history`, `/tasks/${task}/history`];

beforeAll(async () => {
  writer = await startWriteAgent('read_direct_routes');
  reader = await startReadAgent({
    DATABASE_URL: writer.db.primaryUrl,
    DATABASE_REPLICA_URLS: writer.db.replicaUrls.join(','),
    RATE_LIMIT_PER_MINUTE: '5',
  });
  agent = (await writer.http.post('/agents', { name: `direct-${randomUUID()}`, version: '1' })).body.id;
  task = (await writer.http.post('/tasks', { agentId: agent, type: 'crawl.page' })).body.id;
});

afterAll(async () => {
  await reader?.stop();
  await writer?.stop();
});

/** A client of its own subject: the rate limit counts per subject. */
async function client(): Promise<HttpClient> {
  return new HttpClient(reader.agent.url, await signToken({ sub: `direct-${randomUUID()}`, scope: 'queries:read' }));
}

describe('the direct routes', () => {
  it('echo the request id, write an access-log line and count the request in the metrics', async () => {
    for (const path of direct()) {
      const requestId = `direct-${randomUUID()}`;
      const answer = await (await client()).get(path, { 'x-request-id': requestId });
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get('x-request-id')).toBe(requestId);
      expect(answer.headers.get('x-data-source')).toBe('replica');
      const line = await waitForLogLine(reader.agent, (entry) => entry.requestId === requestId);
      expect(line, `access log of ${path}`).toMatchObject({ statusCode: 200, method: 'GET', url: path });
    }
    const { body } = await new HttpClient(reader.agent.url).get('/metrics');
    for (const route of ['/agents/:id', '/tasks/:id', '/stats', '/agents/:id/history', '/tasks/:id/history']) {
      expect(body).toMatch(new RegExp(`http_request_duration_seconds_count\\{method="GET",route="${route}",status_code="200"\\} [1-9]`));
    }
  });

  it('answer HEAD with the headers of GET and no body', async () => {
    const http = await client();
    for (const path of direct()) {
      const answer = await http.request('HEAD', path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get('etag')).toBeTruthy();
      expect(answer.body).toBeUndefined();
    }
  });

  it('share one rate-limit count per subject with the Nest routes: the 6th request is a 429', async () => {
    const http = await client();
    const paths = [`/agents/${agent}`, '/agents', `/tasks/${task}`, `/tasks/${task}/history`, '/stats'];
    for (const path of paths) expect((await http.get(path)).status, path).toBe(200);
    for (const path of [...direct(), '/tasks']) {
      const refused = await http.get(path);
      expectProblem(refused, 429);
      expect(Number(refused.headers.get('retry-after')), path).toBeGreaterThanOrEqual(1);
    }
    expect((await (await client()).get(`/agents/${agent}`)).status).toBe(200);
  });

  it('count missing and invalid tokens per client address before refusing them: the 6th is a 429', async () => {
    const anonymous = new HttpClient(reader.agent.url);
    const expired = anonymous.withToken(await signToken({ scope: 'queries:read', expiresIn: Math.floor(Date.now() / 1000) - 10 }));
    const forged = anonymous.withToken(await signToken({ scope: 'queries:read' }, 'another-secret-that-is-at-least-32-characters'));
    const refused = [
      await anonymous.get(`/agents/${agent}`),
      await expired.get('/stats'),
      await forged.get(`/tasks/${task}`),
      await anonymous.withToken('not.a.jwt').get(`/agents/${agent}/history`),
      await expired.get('/agents'),
    ];
    for (const answer of refused) {
      expectProblem(answer, 401);
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
    }
    // The address's minute is used up: a flood of bad tokens gets 429, on every route.
    for (const [client, path] of [[anonymous, `/agents/${agent}`], [forged, '/stats'], [expired, '/tasks']] as const) {
      const limited = await client.get(path);
      expectProblem(limited, 429);
      expect(Number(limited.headers.get('retry-after')), path).toBeGreaterThanOrEqual(1);
    }
    // A valid token is counted against its own subject, not the address.
    expect((await (await client()).get(`/agents/${agent}`)).status).toBe(200);
  });

  it('count a valid token that lacks the scope against its subject, and answer 429 before 403', async () => {
    const writeOnly = new HttpClient(reader.agent.url, await signToken({ sub: `direct-${randomUUID()}`, scope: 'commands:write' }));
    for (let i = 0; i < 5; i++) expectProblem(await writeOnly.get('/stats'), 403);
    expectProblem(await writeOnly.get('/stats'), 429);
  });

  it('answer a 404 as problem+json naming the store that was asked', async () => {
    const missing = await (await client()).get(`/agents/${randomUUID()}`);
    expectProblem(missing, 404);
    expect(missing.headers.get('x-data-source')).toBe('replica');
  });
});
