import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpClient } from '../support/http-client.js';
import { expectProblem } from '../support/problem.js';
import { CLOSED_PORT, isolatedRedisUrl, startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// Stores that are down, on the shared cluster: it is never stopped here (other files use
// it); a store that is down is a URL pointing at a port nothing listens on. A real replica
// stopping and coming back, and every database down, are in replica-replay.e2e.spec.ts,
// on a cluster of its own.

let writer: WriteAgentFixture;
let agent: string;
let task: string;
let position: string;
// One read agent per situation; only redisDown has REDIS_URL set.
let firstReplicaDown: ReadAgentFixture;
let noReplica: ReadAgentFixture;
let redisDown: ReadAgentFixture;
const readers: ReadAgentFixture[] = [];

const closedUrl = (url: string, scheme = 'postgres') => {
  const parsed = new URL(url);
  parsed.protocol = `${scheme}:`;
  parsed.port = String(CLOSED_PORT);
  return parsed.toString();
};

async function reader(env: Record<string, string>) {
  const started = await startReadAgent({ DATABASE_URL: writer.db.primaryUrl, ...env });
  readers.push(started);
  return started;
}

const metrics = async (fixture: ReadAgentFixture) => (await new HttpClient(fixture.agent.url).get('/metrics')).body as string;
const ready = (fixture: ReadAgentFixture) => new HttpClient(fixture.agent.url).get('/health/ready');

/** Every query route. */
const queryPaths = () => [
  `/agents/${agent}`,
  `/tasks/${task}`,
  '/stats',
  '/agents?limit=5',
  `/tasks?agentId=${agent}`,
  `/agents/${agent}/history`,
  `/tasks/${task}/history`,
];

beforeAll(async () => {
  writer = await startWriteAgent('read_fallback');
  agent = (await writer.http.post('/agents', { name: 'fallback-agent', version: '1' })).body.id;
  const submitted = await writer.http.post('/tasks', { agentId: agent, type: 'crawl.page' });
  task = submitted.body.id;
  position = submitted.body.position;
  const replica = writer.db.replicaUrls[0]!;
  // One after the other: on a busy machine, parallel starts only slow each other down.
  firstReplicaDown = await reader({ DATABASE_REPLICA_URLS: `${closedUrl(replica)},${replica}` });
  noReplica = await reader({ DATABASE_REPLICA_URLS: '', READ_WAIT_MS: '5000' });
  redisDown = await reader({ DATABASE_REPLICA_URLS: replica, REDIS_URL: closedUrl(await isolatedRedisUrl(8), 'redis') });
});

afterAll(async () => {
  await Promise.all(readers.map((fixture) => fixture.stop()));
  await writer?.stop();
});

describe('the first replica is down', () => {
  it('answers every query from the next replica', async () => {
    for (const path of queryPaths()) {
      const answer = await firstReplicaDown.http.get(path, { 'x-min-position': position });
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get('x-data-source'), path).toBe('replica');
    }
    const view = await firstReplicaDown.http.get(`/agents/${agent}`);
    expect(view.body).toMatchObject({ id: agent, status: 'active', tasks: { pending: 1, total: 1 } });
  });

  it('opens the breaker of the dead replica and keeps the others closed, in /metrics', async () => {
    for (let i = 0; i < 3; i++) await firstReplicaDown.http.get(`/tasks/${task}`);
    const text = await metrics(firstReplicaDown);
    expect(text).toMatch(/cqrs_store_breaker_state\{store="replica-0"\} 2/);
    expect(text).toMatch(/cqrs_store_breaker_state\{store="replica-1"\} 0/);
    expect(text).toMatch(/cqrs_store_breaker_state\{store="primary"\} 0/);
    expect(text).toMatch(/cqrs_read_source_total\{source="replica"\} [1-9]/);
  });

  it('stays ready, with the dead replica degraded and the others up', async () => {
    const { status, body } = await ready(firstReplicaDown);
    expect(status).toBe(200);
    expect(body.details['replica-0'].status).toBe('degraded');
    expect(body.details['replica-1']).toMatchObject({ status: 'up', replicationLagSeconds: expect.any(Number) });
    expect(body.details.primary.status).toBe('up');
    expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|postgres:\/\//);
  });
});

describe('no replica is configured', () => {
  it('answers every query from the primary', async () => {
    for (const path of queryPaths()) {
      const answer = await noReplica.http.get(path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers.get('x-data-source'), path).toBe('primary');
    }
    expect((await ready(noReplica)).status).toBe(200);
  });

  it('answers 404 from the primary too', async () => {
    const answer = await noReplica.http.get('/tasks/00000000-0000-4000-8000-000000000000');
    expectProblem(answer, 404);
    expect(answer.headers.get('x-data-source')).toBe('primary');
  });

  it('answers X-Min-Position from the primary at once: nothing else could catch up', async () => {
    const started = Date.now();
    const answer = await noReplica.http.get(`/tasks/${task}`, { 'x-min-position': position });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-data-source')).toBe('primary');
    expect(Date.now() - started).toBeLessThan(2_500); // READ_WAIT_MS is 5000 here
  });
});

describe('Redis is down', () => {
  it('answers GetAgent, GetTask and GetStats from the replica', async () => {
    for (const path of [`/agents/${agent}`, `/tasks/${task}`, '/stats']) {
      for (let i = 0; i < 5; i++) {
        const answer = await redisDown.http.get(path, { 'x-min-position': position });
        expect(answer.status, path).toBe(200);
        expect(answer.headers.get('x-data-source'), path).toBe('replica');
      }
    }
  });

  it('is ready (200) with details.redis saying degraded', async () => {
    const { status, body } = await ready(redisDown);
    expect(status).toBe(200);
    expect(body.status).toBe('degraded');
    expect(JSON.stringify(body.details.redis)).toContain('degraded');
    expect(body.details.primary.status).toBe('up');
    expect(body.details['replica-0'].status).toBe('up');
  });

  it('shows the Redis breaker open once Redis has failed a few reads', async () => {
    for (let i = 0; i < 5; i++) await redisDown.http.get(`/agents/${agent}`);
    expect(await metrics(redisDown)).toMatch(/cqrs_store_breaker_state\{store="redis"\} 2/);
  });
});

describe('Redis is not configured', () => {
  it('answers from the replica and is ready with details.redis saying degraded', async () => {
    const answer = await firstReplicaDown.http.get(`/agents/${agent}`, { 'x-min-position': position });
    expect(answer.headers.get('x-data-source')).toBe('replica');
    const { status, body } = await ready(firstReplicaDown);
    expect(status).toBe(200);
    expect(body.details.redis.status).toBe('degraded');
    expect(body.details.redis.message).toContain('degraded');
  });
});

describe('shutting down', () => {
  it('exits 0 on SIGTERM while a store is down', async () => {
    expect(await firstReplicaDown.stop()).toBe(0);
    expect(await redisDown.stop()).toBe(0);
  });
});
