import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem } from '../support/problem.js';
import { isolatedRedisUrl, startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// Every query refuses bad input with 400 problem+json naming the field (docs/api.md sections 2
// and 4), and nothing a client sends makes it answer 5xx.

let writer: WriteAgentFixture;
let reader: ReadAgentFixture;
let agent: string;
let task: string;

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

beforeAll(async () => {
  writer = await startWriteAgent('read_bad_input');
  reader = await startReadAgent({
    DATABASE_URL: writer.db.primaryUrl,
    DATABASE_REPLICA_URLS: writer.db.replicaUrls.join(','),
    REDIS_URL: await isolatedRedisUrl(9),
  });
  agent = (await writer.http.post('/agents', { name: 'bad-input-agent', version: '1' })).body.id;
  task = (await writer.http.post('/tasks', { agentId: agent, type: 'crawl.page' })).body.id;
});

afterAll(async () => {
  await reader?.stop();
  await writer?.stop();
});

const BY_ID = (id: string) => [`/agents/${id}`, `/agents/${id}/history`, `/tasks/${id}`, `/tasks/${id}/history`];
const ALL_ROUTES = () => ['/agents', '/tasks', '/stats', ...BY_ID(agent), ...BY_ID(task)];

const GARBAGE_CURSORS = [
  'garbage!',
  'abc',
  '',
  b64('not a cursor'),
  b64(`2025-01-01T00:00:00.000000Z|${randomUUID()}`) + '=',
  b64(`2025-01-01T00:00:00.000Z|${randomUUID()}`), // milliseconds only
  b64(`2025-02-30T00:00:00.000000Z|${randomUUID()}`), // no such day
  b64(`2025-01-01T24:00:00.000000Z|${randomUUID()}`),
  b64(`0000-01-01T00:00:00.000000Z|${randomUUID()}`), // no year 0 in PostgreSQL
  b64(`2025-01-01T00:00:00.000000Z|${randomUUID().toUpperCase()}`),
  b64(`2025-01-01T00:00:00.000000Z|not-a-uuid`),
  b64(`2025-01-01T00:00:00.000000Z|${randomUUID()}|extra`),
  b64(`2025-01-01T00:00:00.000000Z\u0000|${randomUUID()}`),
  'A'.repeat(300),
];

describe('path ids', () => {
  it('refuses a malformed id on every by-id route with 400', async () => {
    for (const id of ['not-a-uuid', '123', `${randomUUID()}x`, 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz', '%00', "'%20OR%201=1"]) {
      for (const path of BY_ID(id)) expectProblem(await reader.http.get(path), 400, ['id']);
    }
  });

  it('answers 404 for a well-formed unknown id, in any letter case', async () => {
    for (const path of BY_ID(randomUUID().toUpperCase())) {
      const answer = await reader.http.get(path);
      expectProblem(answer, 404);
      expect(answer.headers.get('x-data-source')).toBeTruthy();
    }
  });
});

describe('list parameters', () => {
  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=1.5', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=', 'limit'],
    ['limit=1e1', 'limit'],
    ['limit=99999999999999999999', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['status=unknown', 'status'],
    ['status=', 'status'],
    ['status=PENDING', 'status'],
    ['status=pending&status=running', 'status'],
  ])('ListTasks refuses %s with 400 naming %s', async (query, field) => {
    expectProblem(await reader.http.get(`/tasks?${query}`), 400, [field]);
  });

  it.each([
    ['agentId=not-a-uuid', 'agentId'],
    ['agentId=', 'agentId'],
    [`agentId=${randomUUID()}&agentId=${randomUUID()}`, 'agentId'],
    ['type=', 'type'],
    ['type=Has%20Space', 'type'],
    ['type=-leading-dash', 'type'],
    [`type=${'a'.repeat(101)}`, 'type'],
    ['type=a&type=b', 'type'],
    ['status=active', 'status'], // an agent status, not a task status
  ])('ListTasks refuses the filter %s with 400 naming %s', async (query, field) => {
    expectProblem(await reader.http.get(`/tasks?${query}`), 400, [field]);
  });

  it.each([
    ['status=unknown', 'status'],
    ['status=pending', 'status'], // a task status, not an agent status
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
  ])('ListAgents refuses %s with 400 naming %s', async (query, field) => {
    expectProblem(await reader.http.get(`/agents?${query}`), 400, [field]);
  });

  it('refuses a garbage cursor on both lists with 400 naming cursor', async () => {
    for (const list of ['/agents', '/tasks']) {
      for (const cursor of GARBAGE_CURSORS) {
        expectProblem(await reader.http.get(`${list}?cursor=${encodeURIComponent(cursor)}`), 400, ['cursor']);
      }
    }
  });

  it('lists every invalid field of one request', async () => {
    const answer = await reader.http.get('/tasks?limit=0&status=nope&agentId=x&type=&cursor=zz');
    expectProblem(answer, 400, ['limit', 'status', 'agentId', 'type', 'cursor']);
  });

  it('accepts the boundary values limit=1 and limit=100 and a cursor it issued', async () => {
    for (const list of ['/agents', '/tasks']) {
      const one = await reader.http.get(`${list}?limit=1`);
      expect(one.status).toBe(200);
      const hundred = await reader.http.get(`${list}?limit=100`);
      expect(hundred.status).toBe(200);
    }
    const cursor = Buffer.from(`2999-12-31T23:59:59.999999Z|${randomUUID()}`).toString('base64url');
    const page = await reader.http.get(`/tasks?cursor=${cursor}&status=pending&type=crawl.page&agentId=${agent.toUpperCase()}`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((item: { id: string }) => item.id)).toContain(task);
  });
});

describe('unknown query parameters', () => {
  it('refuses an unknown parameter on every query route with 400 naming it', async () => {
    for (const path of ALL_ROUTES()) {
      for (const query of ['foo=1', 'sort=name', 'offset=10', 'LIMIT=5', '__proto__=1', 'constructor=x']) {
        expectProblem(await reader.http.get(`${path}?${query}`), 400, [query.split('=')[0]]);
      }
    }
  });

  it('refuses list parameters on routes that take none', async () => {
    for (const path of ['/stats', ...BY_ID(agent)]) {
      expectProblem(await reader.http.get(`${path}?limit=5`), 400, ['limit']);
    }
  });
});

describe('headers', () => {
  it('refuses a malformed X-Min-Position on every query route with 400', async () => {
    for (const path of ALL_ROUTES()) {
      for (const token of ['garbage', '1.2.3', '0.0', '']) {
        expectProblem(await reader.http.get(path, { 'x-min-position': token }), 400, ['x-min-position']);
      }
    }
  });

  it('answers a malformed If-None-Match normally (it matches nothing)', async () => {
    for (const header of ['garbage', '"', ',,,', 'W/']) {
      expect((await reader.http.get(`/tasks/${task}`, { 'if-none-match': header })).status).toBe(200);
    }
  });
});

describe('no input causes a 5xx', () => {
  it('answers every odd request with its own status: 400 naming the parameter, or 200', async () => {
    // path -> [status, the fields a 400 names]
    const odd: Array<[string, number, string[]?]> = [
      ['/tasks?limit=%00', 400, ['limit']],
      ['/tasks?type=%00', 400, ['type']],
      ['/tasks?cursor=%00', 400, ['cursor']],
      ['/tasks?agentId=%00', 400, ['agentId']],
      ['/tasks?status=%F0%9F%92%A9', 400, ['status']],
      ['/tasks?' + 'a=1&'.repeat(500), 400, ['a']],
      ['/tasks?limit[]=1', 400, ['limit[]']],
      ['/tasks?limit[a]=1', 400, ['limit[a]']],
      ['/agents?status[]=active', 400, ['status[]']],
      ['/agents/%E0%A4%A', 400],
      ['/tasks/' + 'f'.repeat(1000), 400],
      ['/stats?', 200],
      ['/stats?=', 400, ['']], // a parameter with an empty name is an unknown one
      ['/stats?&&', 200],
    ];
    const answers: string[] = [];
    for (const [path, status, fields] of odd) {
      const answer = await reader.http.get(path);
      answers.push(`${path.slice(0, 40)} -> ${answer.status}`);
      if (status === 200) expect(answer.status, `${path} -> ${JSON.stringify(answer.body)}`).toBe(200);
      else expectProblem(answer, status, fields);
    }
    console.log(`odd requests: ${answers.join('; ')}`);
  });

  it('still serves after all that', async () => {
    const answer = await reader.http.get(`/tasks/${task}`);
    expect(answer.status).toBe(200);
    expect(reader.agent.logs().filter((line) => line.level === 'error')).toEqual([]);
  });
});
