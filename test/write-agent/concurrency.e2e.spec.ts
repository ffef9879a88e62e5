import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

let fx: WriteAgentFixture;
beforeAll(async () => {
  fx = await startWriteAgent('concurrency');
});
afterAll(async () => {
  await fx?.stop();
});

async function registerAgent() {
  const answer = await fx.http.post('/agents', { name: `agent-${randomUUID()}`, version: '1' });
  expect(answer.status).toBe(201);
  return answer.body.id as string;
}

const countRows = async (sql: string, params: unknown[]) => Number((await fx.db.sql.query(sql, params)).rows[0].count);

describe('concurrent commands', () => {
  it('lets exactly one of 20 concurrent updates with the same If-Match win', async () => {
    const id = await registerAgent();
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => fx.http.patch(`/agents/${id}`, { version: `v${i}` }, { 'if-match': '"1"' })),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses.filter((status) => status === 200)).toHaveLength(1);
    expect(statuses.filter((status) => status === 412)).toHaveLength(19);
    expect(await countRows('SELECT count(*) FROM events WHERE aggregate_id = $1', [id])).toBe(2);
  });

  it('runs a command once for 10 concurrent requests with one Idempotency-Key', async () => {
    const agentId = await registerAgent();
    const key = `submit-${randomUUID()}`;
    const body = { agentId, type: 'crawl.page', payload: { n: 1 } };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => fx.http.post('/tasks', body, { 'idempotency-key': key })),
    );
    for (const answer of answers) expect([201, 409]).toContain(answer.status);
    const created = answers.filter((answer) => answer.status === 201);
    expect(new Set(created.map((answer) => answer.body.id)).size).toBe(1);
    expect(created.filter((answer) => answer.headers.get('idempotent-replayed') !== 'true')).toHaveLength(1);
    expect(await countRows('SELECT count(*) FROM tasks WHERE agent_id = $1', [agentId])).toBe(1);
    expect(await countRows(`SELECT count(*) FROM events WHERE data->>'agentId' = $1`, [agentId])).toBe(1);
    const replay = await fx.http.post('/tasks', body, { 'idempotency-key': key });
    expect(replay).toMatchObject({ status: 201, body: created[0].body });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
  });

  it('never retires an agent while a concurrently submitted task is open', async () => {
    for (let round = 0; round < 5; round++) {
      const agentId = await registerAgent();
      const answers = await Promise.all([
        ...Array.from({ length: 5 }, () => fx.http.post('/tasks', { agentId, type: 'race' })),
        fx.http.post(`/agents/${agentId}/retire`),
      ]);
      for (const answer of answers) expect([200, 201, 409]).toContain(answer.status);
      const { rows } = await fx.db.sql.query(
        `SELECT a.status, a.open_tasks, (SELECT count(*) FROM tasks t WHERE t.agent_id = a.id AND t.status IN ('pending','running'))::int AS open
         FROM agents a WHERE a.id = $1`,
        [agentId],
      );
      expect(rows[0].open_tasks).toBe(rows[0].open);
      if (rows[0].status === 'retired') expect(rows[0].open).toBe(0);
    }
  });

  it('keeps revisions gap-free under a concurrent mix of commands on the same aggregates', async () => {
    const agents = await Promise.all(Array.from({ length: 3 }, () => registerAgent()));
    const tasks = (
      await Promise.all(agents.flatMap((agentId) => Array.from({ length: 4 }, () => fx.http.post('/tasks', { agentId, type: 'mix' }))))
    ).map((answer) => answer.body.id as string);
    const commands = [
      ...agents.flatMap((id) => [
        () => fx.http.patch(`/agents/${id}`, { version: randomUUID().slice(0, 8) }),
        () => fx.http.post(`/agents/${id}/pause`),
        () => fx.http.post(`/agents/${id}/resume`),
        () => fx.http.patch(`/agents/${id}`, { config: { k: randomUUID() } }),
      ]),
      ...tasks.flatMap((id) => [
        () => fx.http.post(`/tasks/${id}/start`),
        () => fx.http.post(`/tasks/${id}/complete`, { result: { ok: true } }),
        () => fx.http.post(`/tasks/${id}/cancel`),
      ]),
    ];
    const answers = await Promise.all(commands.map((run) => run()));
    for (const answer of answers) expect([200, 409]).toContain(answer.status);

    const { rows } = await fx.db.sql.query(
      `SELECT aggregate_id, array_agg(revision ORDER BY revision) AS revisions FROM events
       WHERE aggregate_id = ANY($1::uuid[]) GROUP BY aggregate_id`,
      [[...agents, ...tasks]],
    );
    expect(rows).toHaveLength(agents.length + tasks.length);
    for (const row of rows) expect(row.revisions).toEqual(row.revisions.map((_: number, i: number) => i + 1));
    const { rows: states } = await fx.db.sql.query(
      `SELECT s.id, s.revision, (SELECT count(*)::int FROM events e WHERE e.aggregate_id = s.id) AS events
       FROM (SELECT id, revision FROM agents UNION ALL SELECT id, revision FROM tasks) s WHERE s.id = ANY($1::uuid[])`,
      [[...agents, ...tasks]],
    );
    for (const state of states) expect(state.revision).toBe(state.events);
    const accepted = answers.filter((answer) => answer.status === 200).length;
    const total = await countRows('SELECT count(*) FROM events WHERE aggregate_id = ANY($1::uuid[])', [[...agents, ...tasks]]);
    expect(total).toBe(agents.length + tasks.length + accepted);
  });
});
