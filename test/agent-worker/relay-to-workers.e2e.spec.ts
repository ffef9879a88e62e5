import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runWorker, type Worker, type WorkerTask } from '@app/agent-worker';
import { submitEchoTasks } from '../support/echo-tasks.js';
import { until } from '../support/projection-harness.js';
import { createVhost, type Vhost } from '../support/rabbitmq.js';
import { signToken } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

/**
 * The whole path with nothing standing in: SubmitTask on the write agent, its relay
 * publishing the log to the broker, three workers of one agent consuming its work queue,
 * claiming with StartTask and answering with CompleteTask.
 */
let fx: WriteAgentFixture;
let vhost: Vhost;
const workers: Worker[] = [];

beforeAll(async () => {
  vhost = await createVhost('relay-to-workers');
  fx = await startWriteAgent('relay_to_workers', { AMQP_URL: vhost.url, RELAY_LEASE_MS: '1000', RELAY_POLL_MS: '50' });
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await fx?.stop();
  await vhost?.remove();
});

const silent = { info: () => {}, warn: () => {}, error: () => {} };
const TASKS = 300;
const CANCELLED = 30;

it('delivers each submitted task to exactly one of three workers through the relay; one cancelled before delivery is never started', async () => {
  const registered = await fx.http.post('/agents', { name: `relayed-${randomUUID()}`, version: '1' });
  expect(registered.status).toBe(201);
  const agentId: string = registered.body.id;
  const token = await signToken({ sub: 'relayed-workers', scope: 'commands:write' });
  const submit = (count: number) => submitEchoTasks(fx.http, agentId, count);
  // Submitted and cancelled before any worker runs: the relay has queued them, and each
  // worker claim must lose (409) and ack.
  const cancelled = await submit(CANCELLED);
  for (const id of cancelled) expect((await fx.http.post(`/tasks/${id}/cancel`, { reason: 'not needed' })).status).toBe(200);

  const handled = new Map<string, number>();
  for (let n = 0; n < 3; n++) {
    const worker = runWorker({
      agentId,
      writeUrl: fx.agent.url,
      token,
      amqpUrl: vhost.url,
      concurrency: 8,
      logger: silent,
      handle: async (task: WorkerTask) => {
        handled.set(task.id, (handled.get(task.id) ?? 0) + 1);
        return { echo: task.payload };
      },
    });
    workers.push(worker);
    await worker.ready;
  }

  const began = Date.now();
  const ids = [...cancelled, ...(await submit(TASKS - CANCELLED))];

  const counts = async () =>
    Object.fromEntries(
      (await fx.db.sql.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM tasks WHERE agent_id = $1 GROUP BY status`, [agentId])).rows.map((row) => [row.status, row.n]),
    );
  await until('every task completed or cancelled', async () => {
    const now = await counts();
    return (now.completed ?? 0) + (now.cancelled ?? 0) === TASKS;
  }, 60_000);
  const elapsed = Date.now() - began;
  const lostClaims = () => workers.reduce((sum, worker) => sum + worker.stats.lost, 0);
  await until('the claim of each cancelled task to lose, and no task in flight', () => lostClaims() >= CANCELLED && workers.every((worker) => worker.stats.inFlight === 0), 10_000);

  expect(await counts()).toEqual({ completed: TASKS - CANCELLED, cancelled: CANCELLED });
  const { rows: events } = await fx.db.sql.query<{ aggregate_id: string; type: string }>(
    `SELECT aggregate_id, type FROM events WHERE aggregate_id = ANY($1::uuid[]) ORDER BY position`,
    [ids],
  );
  const typesOf = new Map<string, string[]>();
  for (const event of events) typesOf.set(event.aggregate_id, [...(typesOf.get(event.aggregate_id) ?? []), event.type]);
  for (const id of ids) {
    const types = typesOf.get(id) ?? [];
    const expected = cancelled.includes(id) ? ['TaskSubmitted', 'TaskCancelled'] : ['TaskSubmitted', 'TaskStarted', 'TaskCompleted'];
    expect(types, id).toEqual(expected);
    // A worker runs only what it claimed, once.
    expect(handled.get(id) ?? 0, id).toBe(expected.includes('TaskStarted') ? 1 : 0);
  }
  const stats = workers.map((worker) => ({ ...worker.stats }));
  expect(stats.reduce((sum, s) => sum + s.completed, 0)).toBe(TASKS - CANCELLED);
  expect(stats.reduce((sum, s) => sum + s.lost, 0)).toBe(CANCELLED);
  // Every worker took part: the queue's messages are shared among competing consumers.
  for (const s of stats) expect(s.completed).toBeGreaterThan(0);
  console.log(
    `relay to workers: ${TASKS} tasks (${CANCELLED} cancelled before delivery) in ${elapsed} ms from the workers' start, ` +
      `completed ${stats.map((s) => s.completed).join('+')}, claims lost ${stats.map((s) => s.lost).join('+')}, duplicates ${stats.map((s) => s.duplicates).join('+')}`,
  );
});
