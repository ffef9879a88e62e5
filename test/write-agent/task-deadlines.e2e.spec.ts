import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { HttpClient } from '../support/http-client.js';
import { expectProblem } from '../support/problem.js';
import { isolatedRedisUrl, startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// Two write agents on one primary, both sweeping often; a read agent on its replica.
const SWEEP_MS = '100';
let fx: WriteAgentFixture;
let second: AgentProcess;
let secondHttp: HttpClient;
let reader: ReadAgentFixture;

beforeAll(async () => {
  fx = await startWriteAgent('task_deadlines', { TASK_DEADLINE_SWEEP_MS: SWEEP_MS });
  second = await startAgent('write-agent', {
    DATABASE_URL: fx.db.primaryUrl,
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_PER_MINUTE: '0',
    TASK_DEADLINE_SWEEP_MS: SWEEP_MS,
  });
  secondHttp = new HttpClient(second.url, await signToken({ scope: 'commands:write' }));
  reader = await startReadAgent({ DATABASE_URL: fx.db.primaryUrl, DATABASE_REPLICA_URLS: fx.db.replicaUrls.join(','), REDIS_URL: await isolatedRedisUrl(13) });
});
afterAll(async () => {
  await reader?.stop();
  await second?.stop();
  await fx?.stop();
});

async function registerAgent(): Promise<string> {
  const answer = await fx.http.post('/agents', { name: `deadlines-${randomUUID()}`, version: '1' });
  expect(answer.status).toBe(201);
  return answer.body.id;
}

async function submit(agentId: string, extra: Record<string, unknown> = {}): Promise<string> {
  const answer = await fx.http.post('/tasks', { agentId, type: 'sleep', ...extra });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return answer.body.id;
}

async function startTask(id: string): Promise<void> {
  expect((await secondHttp.post(`/tasks/${id}/start`)).status).toBe(200);
}

async function eventsOf(ids: string[]) {
  const { rows } = await fx.db.sql.query<{ aggregate_id: string; type: string; data: Record<string, unknown>; metadata: Record<string, unknown>; occurred_at: Date }>(
    `SELECT aggregate_id, type, data, metadata, occurred_at FROM events WHERE aggregate_id = ANY($1::uuid[]) ORDER BY position`,
    [ids],
  );
  return rows;
}

/** Polls `probe` until it returns true, for at most `ms`. */
async function until(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not ${what} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const statusesOf = async (ids: string[]) =>
  (await fx.db.sql.query<{ id: string; status: string }>(`SELECT id, status FROM tasks WHERE id = ANY($1::uuid[])`, [ids])).rows;

describe('task deadlines', () => {
  it('fails each running task past its deadline exactly once with two write agents sweeping, and refuses a late complete', async () => {
    const agentId = await registerAgent();
    const overdue = await Promise.all(Array.from({ length: 40 }, () => submit(agentId, { timeoutSeconds: 1 })));
    const unbounded = await submit(agentId);
    const distant = await submit(agentId, { timeoutSeconds: 3600 });
    const startedAt = Date.now();
    await Promise.all([...overdue, unbounded, distant].map(startTask));

    await until(async () => (await statusesOf(overdue)).every((row) => row.status === 'failed'), 15_000, 'all failed');
    const failedAfterMs = Date.now() - startedAt;
    // Both agents keep sweeping meanwhile; a second failure would be a second event.
    const sweepsLater = Date.now() + 10 * Number(SWEEP_MS);
    await until(async () => Date.now() > sweepsLater, 5_000, 'later');

    const events = await eventsOf(overdue);
    const failures = events.filter((event) => event.type === 'TaskFailed');
    expect(failures).toHaveLength(overdue.length);
    expect(new Set(failures.map((event) => event.aggregate_id)).size).toBe(overdue.length);
    for (const failure of failures) {
      expect(failure.data).toEqual({ agentId, error: 'timed out after 1 s' });
      expect(failure.metadata).toMatchObject({ subject: 'system:task-deadlines', command: 'FailTask', requestId: expect.stringMatching(/^task-deadlines-/) });
      const started = events.find((event) => event.aggregate_id === failure.aggregate_id && event.type === 'TaskStarted')!;
      expect(failure.occurred_at.getTime() - started.occurred_at.getTime()).toBeGreaterThanOrEqual(1_000);
    }
    const byAgent = [fx.agent, second].map((agent) => agent.output().filter((line) => line.includes('timed out after 1 s')).length);
    console.log(`${overdue.length} overdue tasks failed within ${failedAfterMs} ms of their start; failures logged per write agent: ${byAgent.join(' + ')}`);
    expect(byAgent[0] + byAgent[1]).toBe(overdue.length);

    const late = await fx.http.post(`/tasks/${overdue[0]}/complete`, { result: { done: true } });
    expectProblem(late, 409);
    expect(late.body.type).toBe('urn:problem:task_invalid_transition');
    expect(late.body.detail).toContain('failed');

    const others = await statusesOf([unbounded, distant]);
    expect(others.map((row) => row.status)).toEqual(['running', 'running']);
  });

  it('shows the timed-out task as failed on the read side', async () => {
    const agentId = await registerAgent();
    const id = await submit(agentId, { timeoutSeconds: 1 });
    await startTask(id);
    // From the Redis projection: its fold took the TaskSubmitted with a timeout and the system's TaskFailed.
    const fromRedis = async () => {
      const answer = await reader.http.get(`/tasks/${id}`);
      return answer.headers.get('x-data-source') === 'redis' && answer.body?.status === 'failed';
    };
    await until(fromRedis, 15_000, 'failed in the Redis view');
    const view = (await reader.http.get(`/tasks/${id}`)).body;
    expect(view).toMatchObject({ id, status: 'failed', error: 'timed out after 1 s', completedAt: expect.any(String) });
    const history = await reader.http.get(`/tasks/${id}/history`);
    expect(history.body.items.map((event: { type: string }) => event.type)).toEqual(['TaskSubmitted', 'TaskStarted', 'TaskFailed']);
    expect(history.body.items[0].data).toEqual({ agentId, type: 'sleep', payload: {}, timeoutSeconds: 1 });
  });

  it('leaves a task that completed before its deadline completed', async () => {
    const agentId = await registerAgent();
    const id = await submit(agentId, { timeoutSeconds: 1 });
    await startTask(id);
    expect((await fx.http.post(`/tasks/${id}/complete`, {})).status).toBe(200);
    const pastDeadline = Date.now() + 1_000 + 10 * Number(SWEEP_MS);
    await until(async () => Date.now() > pastDeadline, 5_000, 'past the deadline');
    expect((await eventsOf([id])).map((event) => event.type)).toEqual(['TaskSubmitted', 'TaskStarted', 'TaskCompleted']);
  });

  it('keeps timeoutSeconds out of a submission without one, and stores the bounds 1 and 86400', async () => {
    const agentId = await registerAgent();
    const ids = [await submit(agentId), await submit(agentId, { timeoutSeconds: 1 }), await submit(agentId, { timeoutSeconds: 86_400 })];
    const events = await eventsOf(ids);
    expect(events.map((event) => event.data.timeoutSeconds)).toEqual([undefined, 1, 86_400]);
    const { rows } = await fx.db.sql.query(`SELECT id, timeout_seconds FROM tasks WHERE id = ANY($1::uuid[])`, [ids]);
    expect(Object.fromEntries(rows.map((row) => [row.id, row.timeout_seconds]))).toEqual({ [ids[0]]: null, [ids[1]]: 1, [ids[2]]: 86_400 });
  });

  it.each([0, -1, 86_401, 1.5, '5', null, true, {}, 1e400])('refuses timeoutSeconds %s with a 400 naming the field', async (timeoutSeconds) => {
    const agentId = await registerAgent();
    const rawBody = `{"agentId":"${agentId}","type":"sleep","timeoutSeconds":${timeoutSeconds === 1e400 ? '1e400' : JSON.stringify(timeoutSeconds)}}`;
    const answer = await fx.http.request('POST', '/tasks', { rawBody, headers: { 'content-type': 'application/json' } });
    expectProblem(answer, 400, ['timeoutSeconds']);
    expect(Number((await fx.db.sql.query(`SELECT count(*) FROM tasks WHERE agent_id = $1`, [agentId])).rows[0].count)).toBe(0);
  });
});
