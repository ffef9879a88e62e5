import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePositionToken, positionCovers } from '@app/domain';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

let fx: WriteAgentFixture;
beforeAll(async () => {
  fx = await startWriteAgent('commands');
});
afterAll(async () => {
  await fx?.stop();
});

const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function registerAgent(body: Record<string, unknown> = {}) {
  const answer = await fx.http.post('/agents', { name: unique('agent'), version: '1.0.0', ...body });
  expect(answer.status).toBe(201);
  return answer.body.id as string;
}

async function submitTask(agentId: string, body: Record<string, unknown> = {}) {
  const answer = await fx.http.post('/tasks', { agentId, type: 'crawl.page', ...body });
  expect(answer.status).toBe(201);
  return answer.body.id as string;
}

async function agentRow(id: string) {
  const { rows } = await fx.db.sql.query('SELECT * FROM agents WHERE id = $1', [id]);
  return rows[0];
}

async function taskRow(id: string) {
  const { rows } = await fx.db.sql.query('SELECT * FROM tasks WHERE id = $1', [id]);
  return rows[0];
}

async function eventsOf(id: string) {
  const { rows } = await fx.db.sql.query(
    'SELECT type, revision, data, metadata FROM events WHERE aggregate_id = $1 ORDER BY revision',
    [id],
  );
  return rows;
}

describe('RegisterAgent', () => {
  it('answers 201 with id, revision 1, a position token, ETag and Location', async () => {
    const answer = await fx.http.post('/agents', { name: unique('reg'), version: '2.1', config: { region: 'eu' } });
    expect(answer.status).toBe(201);
    expect(answer.body).toEqual({ id: expect.any(String), revision: 1, position: expect.any(String) });
    expect(answer.headers.get('etag')).toBe('"1"');
    expect(answer.headers.get('location')).toBe(`/agents/${answer.body.id}`);
    expect(parsePositionToken(answer.body.position)).toBeDefined();
    const row = await agentRow(answer.body.id);
    expect(row).toMatchObject({ status: 'active', version: '2.1', config: { region: 'eu' }, revision: 1 });
    expect(await eventsOf(answer.body.id)).toMatchObject([
      { type: 'AgentRegistered', revision: 1, data: { version: '2.1', config: { region: 'eu' } } },
    ]);
  });

  it('defaults config to {}', async () => {
    const id = await registerAgent();
    expect((await agentRow(id)).config).toEqual({});
  });

  it('keeps a client-chosen id, accepted in upper case and answered in lower case', async () => {
    const id = randomUUID();
    const answer = await fx.http.post('/agents', { id: id.toUpperCase(), name: unique('chosen'), version: '1' });
    expect(answer.status).toBe(201);
    expect(answer.body.id).toBe(id);
  });

  it('refuses a client-chosen id that already exists with 409', async () => {
    const id = await registerAgent();
    const answer = await fx.http.post('/agents', { id, name: unique('again'), version: '1' });
    expect(answer.status).toBe(409);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
  });

  it('refuses a name taken by a live agent, ignoring letter case', async () => {
    const name = unique('Name');
    await registerAgent({ name });
    const answer = await fx.http.post('/agents', { name: name.toUpperCase(), version: '1' });
    expect(answer.status).toBe(409);
    expect(answer.body.type).toContain('agent_name_taken');
  });

  it('lets a new agent take the name of a retired one', async () => {
    const name = unique('reuse');
    const id = await registerAgent({ name });
    expect((await fx.http.post(`/agents/${id}/retire`)).status).toBe(200);
    expect((await fx.http.post('/agents', { name, version: '1' })).status).toBe(201);
  });
});

describe('agent status changes', () => {
  it('pauses, resumes and retires, each a revision higher', async () => {
    const id = await registerAgent();
    const paused = await fx.http.post(`/agents/${id}/pause`);
    expect(paused).toMatchObject({ status: 200, body: { id, revision: 2 } });
    expect(paused.headers.get('etag')).toBe('"2"');
    expect((await agentRow(id)).status).toBe('paused');
    expect((await fx.http.post(`/agents/${id}/resume`)).body.revision).toBe(3);
    expect((await agentRow(id)).status).toBe('active');
    expect((await fx.http.post(`/agents/${id}/retire`)).body.revision).toBe(4);
    expect((await agentRow(id)).status).toBe('retired');
    expect((await eventsOf(id)).map((event) => event.type)).toEqual([
      'AgentRegistered',
      'AgentPaused',
      'AgentResumed',
      'AgentRetired',
    ]);
  });

  it.each([
    ['resume', 'an active agent'],
    ['pause', 'a paused agent'],
  ])('refuses to %s %s with 409 naming the status', async (verb, _what) => {
    const id = await registerAgent();
    if (verb === 'pause') await fx.http.post(`/agents/${id}/pause`);
    const answer = await fx.http.post(`/agents/${id}/${verb}`);
    expect(answer.status).toBe(409);
    expect(answer.body.detail).toMatch(verb === 'pause' ? /paused/ : /active/);
  });

  it.each(['pause', 'resume', 'retire'])('refuses to %s a retired agent with 409', async (verb) => {
    const id = await registerAgent();
    await fx.http.post(`/agents/${id}/retire`);
    const answer = await fx.http.post(`/agents/${id}/${verb}`);
    expect(answer.status).toBe(409);
    expect(answer.body.detail).toContain('retired');
  });

  it('refuses to update a retired agent with 409', async () => {
    const id = await registerAgent();
    await fx.http.post(`/agents/${id}/retire`);
    expect((await fx.http.patch(`/agents/${id}`, { version: '9' })).status).toBe(409);
  });

  it('retires a paused agent', async () => {
    const id = await registerAgent();
    await fx.http.post(`/agents/${id}/pause`);
    expect((await fx.http.post(`/agents/${id}/retire`)).status).toBe(200);
  });

  it('refuses to retire an agent with a pending or running task, and retires it once they end', async () => {
    const id = await registerAgent();
    const pending = await submitTask(id);
    const running = await submitTask(id);
    await fx.http.post(`/tasks/${running}/start`);
    const refused = await fx.http.post(`/agents/${id}/retire`);
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('2 pending or running');
    await fx.http.post(`/tasks/${pending}/cancel`);
    expect((await fx.http.post(`/agents/${id}/retire`)).status).toBe(409);
    await fx.http.post(`/tasks/${running}/complete`);
    expect((await fx.http.post(`/agents/${id}/retire`)).status).toBe(200);
  });

  it.each(['pause', 'resume', 'retire'])('answers 404 when asked to %s an unknown agent', async (verb) => {
    expect((await fx.http.post(`/agents/${randomUUID()}/${verb}`)).status).toBe(404);
  });
});

describe('UpdateAgent', () => {
  it('replaces each named field, config whole, and leaves the others', async () => {
    const id = await registerAgent({ version: '1', config: { a: 1, b: 2 } });
    const before = await agentRow(id);
    const answer = await fx.http.patch(`/agents/${id}`, { config: { c: 3 } });
    expect(answer).toMatchObject({ status: 200, body: { id, revision: 2 } });
    const after = await agentRow(id);
    expect(after).toMatchObject({ name: before.name, version: '1', config: { c: 3 }, revision: 2 });
    expect((await eventsOf(id))[1]).toMatchObject({ type: 'AgentUpdated', data: { config: { c: 3 } } });
    expect((await eventsOf(id))[1].data).not.toHaveProperty('name');
  });

  it('updates a paused agent and keeps it paused', async () => {
    const id = await registerAgent();
    await fx.http.post(`/agents/${id}/pause`);
    expect((await fx.http.patch(`/agents/${id}`, { name: unique('renamed') })).status).toBe(200);
    expect((await agentRow(id)).status).toBe('paused');
  });

  it('refuses a rename to a name another live agent holds', async () => {
    const taken = unique('taken');
    await registerAgent({ name: taken });
    const id = await registerAgent();
    expect((await fx.http.patch(`/agents/${id}`, { name: taken.toUpperCase() })).status).toBe(409);
  });

  it('answers 404 for an unknown agent', async () => {
    expect((await fx.http.patch(`/agents/${randomUUID()}`, { version: '2' })).status).toBe(404);
  });
});

describe('task life cycle', () => {
  it('submits a pending task with ETag, Location and payload defaulting to {}', async () => {
    const agentId = await registerAgent();
    const answer = await fx.http.post('/tasks', { agentId, type: 'crawl.page' });
    expect(answer.status).toBe(201);
    expect(answer.headers.get('location')).toBe(`/tasks/${answer.body.id}`);
    expect(answer.headers.get('etag')).toBe('"1"');
    expect(await taskRow(answer.body.id)).toMatchObject({
      agent_id: agentId,
      type: 'crawl.page',
      status: 'pending',
      payload: {},
      result: null,
      error: null,
      started_at: null,
      completed_at: null,
      revision: 1,
    });
  });

  it('starts (sets startedAt) and completes with a result (sets completedAt)', async () => {
    const taskId = await submitTask(await registerAgent(), { payload: { url: 'https://example.org' } });
    expect((await fx.http.post(`/tasks/${taskId}/start`)).body.revision).toBe(2);
    expect((await taskRow(taskId)).started_at).toBeInstanceOf(Date);
    expect((await fx.http.post(`/tasks/${taskId}/complete`, { result: { pages: 3 } })).body.revision).toBe(3);
    const row = await taskRow(taskId);
    expect(row).toMatchObject({ status: 'completed', result: { pages: 3 }, error: null });
    expect(row.completed_at).toBeInstanceOf(Date);
  });

  it('completes without a result, which stays null', async () => {
    const taskId = await submitTask(await registerAgent());
    expect((await fx.http.post(`/tasks/${taskId}/start`)).status).toBe(200);
    const completed = await fx.http.post(`/tasks/${taskId}/complete`);
    expect([completed.status, completed.body.revision, completed.headers.get('etag')]).toEqual([200, 3, '"3"']);
    expect(await taskRow(taskId)).toMatchObject({ status: 'completed', result: null, revision: 3 });
  });

  it('fails a running task with its error text', async () => {
    const taskId = await submitTask(await registerAgent());
    await fx.http.post(`/tasks/${taskId}/start`);
    expect((await fx.http.post(`/tasks/${taskId}/fail`, { error: 'timeout' })).status).toBe(200);
    expect(await taskRow(taskId)).toMatchObject({ status: 'failed', error: 'timeout' });
  });

  it.each(['pending', 'running'])('cancels a %s task and keeps the reason in the event', async (status) => {
    const taskId = await submitTask(await registerAgent());
    if (status === 'running') await fx.http.post(`/tasks/${taskId}/start`);
    expect((await fx.http.post(`/tasks/${taskId}/cancel`, { reason: 'not needed' })).status).toBe(200);
    expect((await taskRow(taskId)).status).toBe('cancelled');
    expect((await taskRow(taskId)).completed_at).toBeInstanceOf(Date);
    const events = await eventsOf(taskId);
    expect(events[events.length - 1]).toMatchObject({ type: 'TaskCancelled', data: { reason: 'not needed' } });
  });

  const refused: Array<[string, string, string, Record<string, unknown>?]> = [
    ['start', 'running', 'start'],
    ['complete', 'pending', ''],
    ['fail', 'pending', ''],
    ['start', 'completed', 'start,complete'],
    ['cancel', 'completed', 'start,complete'],
    ['complete', 'failed', 'start,fail'],
    ['start', 'cancelled', 'cancel'],
    ['cancel', 'cancelled', 'cancel'],
  ];
  it.each(refused)('refuses to %s a %s task with 409 naming the status', async (verb, status, path) => {
    const taskId = await submitTask(await registerAgent());
    for (const step of path.split(',').filter(Boolean)) {
      const body = step === 'fail' ? { error: 'x' } : undefined;
      expect((await fx.http.post(`/tasks/${taskId}/${step}`, body)).status).toBe(200);
    }
    const body = verb === 'fail' ? { error: 'x' } : undefined;
    const answer = await fx.http.post(`/tasks/${taskId}/${verb}`, body);
    expect(answer.status).toBe(409);
    expect(answer.body.detail).toContain(status);
    expect((await taskRow(taskId)).status).toBe(status);
  });

  it('keeps moving the tasks of a paused agent but refuses new submissions with 409', async () => {
    const agentId = await registerAgent();
    const taskId = await submitTask(agentId);
    await fx.http.post(`/agents/${agentId}/pause`);
    expect((await fx.http.post(`/tasks/${taskId}/start`)).status).toBe(200);
    const refused = await fx.http.post('/tasks', { agentId, type: 'crawl.page' });
    expect(refused.status).toBe(409);
    expect(refused.body.detail).toContain('paused');
  });

  it('refuses a submission to a retired agent with 409 and to an unknown agent with 422', async () => {
    const agentId = await registerAgent();
    await fx.http.post(`/agents/${agentId}/retire`);
    expect((await fx.http.post('/tasks', { agentId, type: 'x' })).status).toBe(409);
    expect((await fx.http.post('/tasks', { agentId: randomUUID(), type: 'x' })).status).toBe(422);
  });

  it('refuses a client-chosen task id that already exists with 409', async () => {
    const agentId = await registerAgent();
    const id = await submitTask(agentId);
    expect((await fx.http.post('/tasks', { id, agentId, type: 'x' })).status).toBe(409);
  });

  it.each(['start', 'complete', 'fail', 'cancel'])('answers 404 when asked to %s an unknown task', async (verb) => {
    const body = verb === 'fail' ? { error: 'x' } : undefined;
    expect((await fx.http.post(`/tasks/${randomUUID()}/${verb}`, body)).status).toBe(404);
  });
});

describe('optimistic concurrency with If-Match', () => {
  it('applies a command whose If-Match is the current revision', async () => {
    const id = await registerAgent();
    expect((await fx.http.post(`/agents/${id}/pause`, undefined, { 'if-match': '"1"' })).status).toBe(200);
  });

  it('answers 412 and changes nothing when If-Match is another revision', async () => {
    const id = await registerAgent();
    const answer = await fx.http.post(`/agents/${id}/pause`, undefined, { 'if-match': '"2"' });
    expect(answer.status).toBe(412);
    expect((await agentRow(id)).status).toBe('active');
    expect(await eventsOf(id)).toHaveLength(1);
  });
});

describe('position tokens', () => {
  it('gives every later command a token that covers the earlier ones', async () => {
    const agentId = await registerAgent();
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) tokens.push((await fx.http.post('/tasks', { agentId, type: 'x' })).body.position);
    for (let i = 1; i < tokens.length; i++) {
      const later = parsePositionToken(tokens[i])!;
      const earlier = parsePositionToken(tokens[i - 1])!;
      expect(positionCovers(later, earlier)).toBe(true);
      expect(positionCovers(earlier, later)).toBe(false);
    }
  });
});

describe('atomicity', () => {
  it('writes no row and no event for a refused command', async () => {
    const agentId = await registerAgent();
    await fx.http.post(`/agents/${agentId}/pause`);
    const count = async () =>
      (await fx.db.sql.query('SELECT (SELECT count(*) FROM events) AS e, (SELECT count(*) FROM tasks) AS t')).rows[0];
    const before = await count();
    expect((await fx.http.post('/tasks', { agentId, type: 'x' })).status).toBe(409);
    expect((await fx.http.post(`/agents/${agentId}/pause`)).status).toBe(409);
    expect((await fx.http.post(`/tasks/${randomUUID()}/start`)).status).toBe(404);
    expect(await count()).toEqual(before);
  });

  it('keeps every aggregate revision equal to its number of events, without gaps', async () => {
    // Some aggregates of its own, so the check has rows to look at when this test runs alone.
    const agent = await registerAgent();
    const task = await submitTask(agent);
    expect((await fx.http.post(`/tasks/${task}/start`)).status).toBe(200);
    expect((await fx.http.patch(`/agents/${agent}`, { version: 'gap-check' })).status).toBe(200);
    const { rows } = await fx.db.sql.query(`
      SELECT aggregate_id, array_agg(revision ORDER BY revision) AS revisions FROM events GROUP BY aggregate_id`);
    expect(rows.map((row) => row.aggregate_id)).toEqual(expect.arrayContaining([agent, task]));
    for (const row of rows) {
      expect(row.revisions).toEqual(row.revisions.map((_: number, index: number) => index + 1));
    }
    // IS DISTINCT FROM: a state row without any event (max() is NULL) counts as a mismatch too.
    const { rows: mismatched } = await fx.db.sql.query(`
      SELECT id FROM (SELECT id, revision FROM agents UNION ALL SELECT id, revision FROM tasks) s
      WHERE revision IS DISTINCT FROM (SELECT max(revision) FROM events e WHERE e.aggregate_id = s.id)`);
    expect(mismatched).toEqual([]);
  });

});
