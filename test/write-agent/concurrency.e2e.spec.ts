import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Answer } from '../support/http-client.js';
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

/** The events of these aggregates in the order they were applied (each aggregate's revisions). */
async function eventsOf(ids: string[]): Promise<Array<{ aggregate_id: string; revision: number; type: string; data: Record<string, unknown> }>> {
  const { rows } = await fx.db.sql.query(
    `SELECT aggregate_id, revision, type, data FROM events WHERE aggregate_id = ANY($1::uuid[]) ORDER BY position`,
    [ids],
  );
  return rows;
}

const problemType = (code: string) => `urn:problem:${code}`;

/** Resolves with `promise` or rejects once `ms` have passed. */
function within<T>(ms: number, promise: Promise<T>): Promise<T> {
  return Promise.race([promise, new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`still waiting after ${ms} ms`)), ms))]);
}

/** Whether `promise` is still pending after `ms`. */
async function pendingAfter(ms: number, promise: Promise<unknown>): Promise<boolean> {
  const marker = Symbol('pending');
  const first = await Promise.race([promise.then(() => undefined, () => undefined), new Promise((resolve) => setTimeout(() => resolve(marker), ms))]);
  return first === marker;
}

describe('concurrent commands', () => {
  it('applies every one of 20 concurrent plain updates of one agent, one after the other', async () => {
    const id = await registerAgent();
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => fx.http.patch(`/agents/${id}`, { version: `v${i}` })));
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const events = await eventsOf([id]);
    expect(events.map((event) => event.revision)).toEqual(Array.from({ length: 21 }, (_, i) => i + 1));
    // Each answer names the revision of its own event, in the order they were applied.
    answers.forEach((answer, i) => {
      const event = events.find((candidate) => candidate.type === 'AgentUpdated' && candidate.data.version === `v${i}`);
      expect(answer.body.revision).toBe(event?.revision);
      expect(answer.headers.get('etag')).toBe(`"${event?.revision}"`);
    });
    const { rows } = await fx.db.sql.query('SELECT version, revision FROM agents WHERE id = $1', [id]);
    expect(rows[0]).toEqual({ version: events[20].data.version, revision: 21 });
  });

  it('applies every one of 20 concurrent starts and completes of tasks of one agent and their submissions', async () => {
    const agentId = await registerAgent();
    const submitted = await Promise.all(Array.from({ length: 20 }, () => fx.http.post('/tasks', { agentId, type: 'queue' })));
    expect(submitted.map((answer) => answer.status)).toEqual(submitted.map(() => 201));
    const ids = submitted.map((answer) => answer.body.id as string);
    const started = await Promise.all(ids.map((id) => fx.http.post(`/tasks/${id}/start`)));
    expect(started.map((answer) => answer.status)).toEqual(ids.map(() => 200));
    const { rows } = await fx.db.sql.query(`SELECT count(*)::int AS running FROM tasks WHERE agent_id = $1 AND status = 'running'`, [agentId]);
    expect(rows[0].running).toBe(20);
  });

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

  for (const ifMatch of [undefined, '"1"']) {
    it(`retires an agent or takes every concurrent submission, exactly as the log orders them${ifMatch ? ' (retire with If-Match)' : ''}`, async () => {
      const outcomes: string[] = [];
      for (let round = 0; round < 8; round++) {
        const agentId = await registerAgent();
        const [retire, ...submits] = await Promise.all([
          fx.http.post(`/agents/${agentId}/retire`, undefined, ifMatch ? { 'if-match': ifMatch } : {}),
          ...Array.from({ length: 5 }, () => fx.http.post('/tasks', { agentId, type: 'race' })),
        ]);
        const { rows: tasks } = await fx.db.sql.query('SELECT id FROM tasks WHERE agent_id = $1', [agentId]);
        const events = await eventsOf([agentId, ...tasks.map((task) => task.id as string)]);
        const retiredAt = events.findIndex((event) => event.type === 'AgentRetired');
        const submittedAt = events.flatMap((event, i) => (event.type === 'TaskSubmitted' ? [i] : []));
        if (retiredAt >= 0) {
          // Retired first: no task was taken before, and each submission found it retired.
          outcomes.push('retired');
          expect(submittedAt).toEqual([]);
          expect(retire.status).toBe(200);
          for (const submit of submits) expect([submit.status, submit.body.type]).toEqual([409, problemType('task_agent_not_active')]);
        } else {
          // A submission came first: the retirement is the domain's refusal (never 412: the
          // agent's revision did not change), and every submission was taken.
          outcomes.push('refused');
          expect([retire.status, retire.body.type]).toEqual([409, problemType('agent_has_open_tasks')]);
          expect(submits.map((submit) => submit.status)).toEqual(submits.map(() => 201));
          expect(submittedAt).toHaveLength(5);
        }
        const { rows } = await fx.db.sql.query(
          `SELECT a.status, a.revision, (SELECT count(*) FROM tasks t WHERE t.agent_id = a.id AND t.status IN ('pending','running'))::int AS open
           FROM agents a WHERE a.id = $1`,
          [agentId],
        );
        expect(rows[0]).toEqual(retiredAt >= 0 ? { status: 'retired', revision: 2, open: 0 } : { status: 'active', revision: 1, open: 5 });
      }
      expect(outcomes).toHaveLength(8);
      console.log(`retire against 5 submissions${ifMatch ? ' (If-Match)' : ''}, 8 rounds: ${outcomes.join(', ')}`);
    });
  }

  it('lets a submission through while another one to the same agent is in flight, and makes a retirement wait for it', async () => {
    const agentId = await registerAgent();
    const inFlight = await fx.db.sql.connect();
    try {
      // What a submission holds until it commits: the agent row FOR SHARE and its new task.
      await inFlight.query('BEGIN');
      await inFlight.query(`SELECT id FROM agents WHERE id = $1 AND status = 'active' FOR SHARE`, [agentId]);
      await inFlight.query(
        `INSERT INTO tasks (id, agent_id, type, status, payload, revision, created_at, updated_at)
         VALUES ($1, $2, 'held', 'pending', '{}', 1, now(), now())`,
        [randomUUID(), agentId],
      );
      const other = await within(5_000, fx.http.post('/tasks', { agentId, type: 'beside' }));
      expect(other.status).toBe(201);
      const retire = fx.http.post(`/agents/${agentId}/retire`, undefined, { 'if-match': '"1"' });
      expect(await pendingAfter(300, retire)).toBe(true);
      await inFlight.query('COMMIT');
      const answer = await within(5_000, retire);
      expect([answer.status, answer.body.type]).toEqual([409, problemType('agent_has_open_tasks')]);
      expect(answer.body.detail).toContain('2');
    } finally {
      await inFlight.query('ROLLBACK').catch(() => undefined);
      inFlight.release();
    }
  });

  it('makes a submission wait for a retirement in flight, then refuses it', async () => {
    const agentId = await registerAgent();
    const inFlight = await fx.db.sql.connect();
    try {
      await inFlight.query('BEGIN');
      await inFlight.query(`SELECT id FROM agents WHERE id = $1 FOR UPDATE`, [agentId]);
      await inFlight.query(`UPDATE agents SET status = 'retired', revision = 2 WHERE id = $1`, [agentId]);
      const submit = fx.http.post('/tasks', { agentId, type: 'late' });
      expect(await pendingAfter(300, submit)).toBe(true);
      await inFlight.query('COMMIT');
      const answer = await within(5_000, submit);
      expect([answer.status, answer.body.type]).toEqual([409, problemType('task_agent_not_active')]);
      expect(await countRows('SELECT count(*) FROM tasks WHERE agent_id = $1', [agentId])).toBe(0);
    } finally {
      await inFlight.query('ROLLBACK').catch(() => undefined);
      inFlight.release();
    }
  });

  it('keeps revisions gap-free under a concurrent mix of commands on the same aggregates', async () => {
    const agents = await Promise.all(Array.from({ length: 3 }, () => registerAgent()));
    const tasks = (
      await Promise.all(agents.flatMap((agentId) => Array.from({ length: 4 }, () => fx.http.post('/tasks', { agentId, type: 'mix' }))))
    ).map((answer) => answer.body.id as string);
    // Each command with the event it appends when it is applied.
    const commands: Array<{ id: string; event: string; run: () => Promise<Answer> }> = [
      ...agents.flatMap((id) => [
        { id, event: 'AgentUpdated', run: () => fx.http.patch(`/agents/${id}`, { version: randomUUID().slice(0, 8) }) },
        { id, event: 'AgentPaused', run: () => fx.http.post(`/agents/${id}/pause`) },
        { id, event: 'AgentResumed', run: () => fx.http.post(`/agents/${id}/resume`) },
        { id, event: 'AgentUpdated', run: () => fx.http.patch(`/agents/${id}`, { config: { k: randomUUID() } }) },
      ]),
      ...tasks.flatMap((id) => [
        { id, event: 'TaskStarted', run: () => fx.http.post(`/tasks/${id}/start`) },
        { id, event: 'TaskCompleted', run: () => fx.http.post(`/tasks/${id}/complete`, { result: { ok: true } }) },
        { id, event: 'TaskCancelled', run: () => fx.http.post(`/tasks/${id}/cancel`) },
      ]),
    ];
    const answers = await Promise.all(commands.map((command) => command.run()));
    const events = await eventsOf([...agents, ...tasks]);

    // The statuses each aggregate went through, in the order its events were applied, are
    // legal; a command is 200 exactly when its event is in the log (with the revision it
    // answered), and otherwise it is 409 because, in that order, its transition was not
    // legal any more or not yet. Updates and pausing are legal in any order here.
    const next: Record<string, Record<string, string>> = {
      AgentUpdated: { active: 'active', paused: 'paused' },
      AgentPaused: { active: 'paused' },
      AgentResumed: { paused: 'active' },
      TaskStarted: { pending: 'running' },
      TaskCompleted: { running: 'completed' },
      TaskCancelled: { pending: 'cancelled', running: 'cancelled' },
    };
    // Each aggregate's statuses in the order of its events (the first one included).
    const passedThrough = new Map<string, string[]>();
    for (const id of [...agents, ...tasks]) {
      let status = agents.includes(id) ? 'active' : 'pending';
      const statuses = [status];
      for (const event of events.filter((candidate) => candidate.aggregate_id === id && candidate.revision > 1)) {
        expect(next[event.type][status], `${event.type} from ${status}`).toBeDefined();
        status = next[event.type][status];
        statuses.push(status);
      }
      passedThrough.set(id, statuses);
    }
    commands.forEach((command, i) => {
      const applied = events.filter((event) => event.aggregate_id === command.id && event.type === command.event);
      const answer = answers[i];
      if (command.event === 'AgentUpdated' || command.event === 'AgentPaused') expect(answer.status).toBe(200);
      if (answer.status === 200) {
        expect(applied.map((event) => event.revision)).toContain(answer.body.revision);
      } else {
        expect(command.event).not.toBe('AgentUpdated');
        expect(applied).toEqual([]);
        // Refused, so it was decided in a status from which its transition is not legal:
        // the aggregate must have been in such a status at some point of that order.
        const statuses = passedThrough.get(command.id)!;
        expect(statuses.some((status) => next[command.event][status] === undefined), `${command.event} refused in ${statuses.join(' -> ')}`).toBe(true);
        expect([answer.status, answer.body.type]).toEqual([409, problemType(agents.includes(command.id) ? 'agent_invalid_transition' : 'task_invalid_transition')]);
      }
    });

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

/** Whether token `a` is at or past token `b` in the log's read order ("<txId>.<position>.<history>", as numbers). */
function covers(a: string, b: string): boolean {
  const [aTx, aPosition] = a.split('.').slice(0, 2).map(BigInt);
  const [bTx, bPosition] = b.split('.').slice(0, 2).map(BigInt);
  return aTx > bTx || (aTx === bTx && aPosition >= bPosition);
}

describe('position tokens', () => {
  it('gives a command answered after another a token that covers it, although its transaction began first', async () => {
    const [slow, fast] = [await registerAgent(), await registerAgent()];
    const holder = await fx.db.sql.connect();
    try {
      // The slow command's UPDATE waits on a lock the test holds, inside its transaction.
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM agents WHERE id = $1 FOR UPDATE', [slow]);
      const slowAnswer = fx.http.patch(`/agents/${slow}`, { version: 'slow' });
      const deadline = Date.now() + 5_000;
      const waiting = async () =>
        (await fx.db.sql.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%UPDATE agents%'`)).rows[0].n;
      while ((await waiting()) === 0 && Date.now() < deadline) await new Promise((done) => setTimeout(done, 20));
      expect(await waiting()).toBe(1);
      // Meanwhile another command begins, commits and is answered.
      const fastAnswer = await within(5_000, fx.http.patch(`/agents/${fast}`, { version: 'fast' }));
      expect(fastAnswer.status).toBe(200);
      await holder.query('COMMIT');
      const late = await within(5_000, slowAnswer);
      expect(late.status).toBe(200);

      // The slow one's transaction did begin first: its event has the lower transaction id.
      const { rows } = await fx.db.sql.query(
        `SELECT aggregate_id, tx_id::text FROM events WHERE aggregate_id = ANY($1::uuid[]) AND type = 'AgentUpdated'`,
        [[slow, fast]],
      );
      const txOf = (id: string) => BigInt(rows.find((row) => row.aggregate_id === id).tx_id);
      expect(txOf(slow)).toBeLessThan(txOf(fast));
      // Answered last, its token covers the other answer's (and its own event).
      expect(covers(late.body.position, fastAnswer.body.position)).toBe(true);
      const { rows: own } = await fx.db.sql.query(
        `SELECT tx_id::text || '.' || position AS token FROM events WHERE aggregate_id = $1 AND type = 'AgentUpdated'`,
        [slow],
      );
      expect(covers(late.body.position, own[0].token)).toBe(true);
    } finally {
      await holder.query('ROLLBACK').catch(() => undefined);
      holder.release();
    }
  });

  it('replays the very token the first answer carried', async () => {
    const id = await registerAgent();
    const key = `token-${randomUUID()}`;
    const first = await fx.http.patch(`/agents/${id}`, { version: 'keyed' }, { 'idempotency-key': key });
    await fx.http.patch(`/agents/${await registerAgent()}`, { version: 'later' });
    const replay = await fx.http.patch(`/agents/${id}`, { version: 'keyed' }, { 'idempotency-key': key });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body).toEqual(first.body);
  });

  it('answers tokens in the order of the answers under a concurrent load of commands', async () => {
    const agentIds = await Promise.all(Array.from({ length: 4 }, () => registerAgent()));
    // Each client sends its commands one after the other: each answer must cover the one before.
    const clients = agentIds.map(async (agentId) => {
      const tokens: string[] = [];
      for (let i = 0; i < 8; i++) tokens.push((await fx.http.post('/tasks', { agentId, type: 'ordered' })).body.position);
      return tokens;
    });
    for (const tokens of await Promise.all(clients)) {
      tokens.slice(1).forEach((token, i) => expect(covers(token, tokens[i])).toBe(true));
    }
  });
});
