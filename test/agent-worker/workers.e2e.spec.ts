import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorker, type Worker, type WorkerOptions, type WorkerTask } from '@app/agent-worker';
import { submitEchoTasks } from '../support/echo-tasks.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { createVhost, type Vhost } from '../support/rabbitmq.js';
import { SubmittedEvents } from '../support/submitted-events.js';
import { signToken } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

let fx: WriteAgentFixture;
let vhost: Vhost;
let relay: SubmittedEvents;
let token: string;
const workers: Worker[] = [];

beforeAll(async () => {
  [fx, vhost] = await Promise.all([startWriteAgent('agent_worker'), createVhost('agent-worker')]);
  relay = new SubmittedEvents(vhost.url);
  token = await signToken({ sub: 'worker-fleet', scope: 'commands:write' });
});
afterAll(async () => {
  await Promise.all(workers.map((worker) => worker.stop()));
  await relay?.close();
  await vhost?.remove();
  await fx?.stop();
});

const silent = { info: () => {}, warn: () => {}, error: () => {} };

async function startWorker(agentId: string, options: Partial<WorkerOptions> & Pick<WorkerOptions, 'handle'>): Promise<Worker> {
  const worker = runWorker({ agentId, writeUrl: fx.agent.url, token, amqpUrl: vhost.url, concurrency: 4, logger: silent, ...options });
  workers.push(worker);
  await worker.ready;
  return worker;
}

async function registerAgent(): Promise<string> {
  const answer = await fx.http.post('/agents', { name: `worker-${randomUUID()}`, version: '1' });
  expect(answer.status).toBe(201);
  await relay.declareWorkQueue(answer.body.id);
  return answer.body.id;
}

const submitTasks = (agentId: string, count: number) => submitEchoTasks(fx.http, agentId, count);

const statusCounts = async (agentId: string) =>
  Object.fromEntries(
    (await fx.db.sql.query<{ status: string; count: string }>(`SELECT status, count(*) FROM tasks WHERE agent_id = $1 GROUP BY status`, [agentId])).rows.map(
      (row) => [row.status, Number(row.count)],
    ),
  );

const eventTypesOf = async (ids: string[]) =>
  (await fx.db.sql.query<{ aggregate_id: string; type: string }>(`SELECT aggregate_id, type FROM events WHERE aggregate_id = ANY($1::uuid[]) ORDER BY position`, [ids])).rows;

async function until(probe: () => Promise<boolean> | boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not ${what} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('agent workers', () => {
  it('has three workers of one agent complete each of 500 tasks exactly once, each event published twice', async () => {
    const agentId = await registerAgent();
    const concurrency = 6;
    const handled = new Map<string, number>();
    const running = [0, 0, 0];
    const peak = [0, 0, 0];
    const began = Date.now();
    const fleet = await Promise.all(
      [0, 1, 2].map((index) =>
        startWorker(agentId, {
          concurrency,
          handle: async (task: WorkerTask) => {
            handled.set(task.id, (handled.get(task.id) ?? 0) + 1);
            peak[index] = Math.max(peak[index], ++running[index]);
            await pause(2 + Math.random() * 8);
            running[index]--;
            return { echo: task.payload };
          },
        }),
      ),
    );
    const ids = await submitTasks(agentId, 500);
    const published = await relay.publish(fx.db.sql, ids, 2);
    await until(async () => (await statusCounts(agentId)).completed === 500, 60_000, 'all 500 completed');
    await until(async () => (await relay.queueDepth(agentId)) === 0 && fleet.every((worker) => worker.stats.inFlight === 0), 10_000, 'queue drained');
    const elapsed = Date.now() - began;

    expect(await statusCounts(agentId)).toEqual({ completed: 500 });
    const events = await eventTypesOf(ids);
    const completions = events.filter((event) => event.type === 'TaskCompleted');
    expect(completions).toHaveLength(500);
    expect(new Set(completions.map((event) => event.aggregate_id)).size).toBe(500);
    expect(events.filter((event) => event.type === 'TaskStarted')).toHaveLength(500);
    expect([...handled.values()].every((times) => times === 1)).toBe(true);
    expect(handled.size).toBe(500);
    const { rows } = await fx.db.sql.query(`SELECT result FROM tasks WHERE id = $1`, [ids[7]]);
    expect(rows[0].result).toEqual({ echo: { n: 7 } });

    const stats = fleet.map((worker) => ({ ...worker.stats }));
    expect(stats.reduce((sum, s) => sum + s.completed, 0)).toBe(500);
    expect(stats.reduce((sum, s) => sum + s.received, 0)).toBe(published);
    // Each second copy was dropped as a duplicate by the worker that had the first, or lost its claim (409) on another.
    expect(stats.reduce((sum, s) => sum + s.duplicates + s.lost, 0)).toBe(published - 500);
    // A worker that gets both copies of an event drops the second without asking the write agent.
    expect(stats.reduce((sum, s) => sum + s.duplicates, 0)).toBeGreaterThan(0);
    for (const s of stats) expect(s.maxInFlight).toBeLessThanOrEqual(concurrency);
    expect(Math.max(...peak)).toBeLessThanOrEqual(concurrency);
    console.log(
      `500 tasks, 3 workers x concurrency ${concurrency}, ${published} messages: completed ${stats.map((s) => s.completed).join('+')}, ` +
        `duplicates dropped ${stats.map((s) => s.duplicates).join('+')}, claims lost ${stats.map((s) => s.lost).join('+')}, ` +
        `peak in flight ${stats.map((s) => s.maxInFlight).join('/')} (in the handler ${peak.join('/')}), ${elapsed} ms from the first submission`,
    );
  });

  it('never starts a task cancelled before its delivery: the claim gets 409 and the message is acked', async () => {
    const agentId = await registerAgent();
    const [cancelled, kept] = await submitTasks(agentId, 2);
    expect((await fx.http.post(`/tasks/${cancelled}/cancel`, { reason: 'not needed' })).status).toBe(200);
    const handled: string[] = [];
    const worker = await startWorker(agentId, { handle: async (task) => void handled.push(task.id) });
    await relay.publish(fx.db.sql, [cancelled, kept]);
    await until(async () => worker.stats.completed + worker.stats.lost === 2, 15_000, 'both settled');
    await until(async () => (await relay.queueDepth(agentId)) === 0, 10_000, 'queue drained');
    expect(handled).toEqual([kept]);
    expect(worker.stats).toMatchObject({ completed: 1, lost: 1, started: 1, requeued: 0 });
    expect((await eventTypesOf([cancelled])).map((event) => event.type)).toEqual(['TaskSubmitted', 'TaskCancelled']);
  });

  it('fails a task whose handler throws, with the error message', async () => {
    const agentId = await registerAgent();
    const [id] = await submitTasks(agentId, 1);
    const worker = await startWorker(agentId, { handle: async () => { throw new Error('the page is gone'); } });
    await relay.publish(fx.db.sql, [id]);
    await until(async () => worker.stats.failed === 1, 15_000, 'failed');
    const { rows } = await fx.db.sql.query(`SELECT status, error FROM tasks WHERE id = $1`, [id]);
    expect(rows[0]).toEqual({ status: 'failed', error: 'the page is gone' });
  });

  it('finishes the tasks in flight on stop(), and leaves the rest in the queue', async () => {
    const agentId = await registerAgent();
    const ids = await submitTasks(agentId, 5);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const worker = await startWorker(agentId, { concurrency: 2, handle: async () => gate.then(() => ({ done: true })) });
    await relay.publish(fx.db.sql, ids);
    await until(() => worker.stats.inFlight === 2, 15_000, 'two in flight');
    let stopped = false;
    const stopping = worker.stop().then(() => (stopped = true));
    await pause(300);
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(worker.stats).toMatchObject({ completed: 2, inFlight: 0, maxInFlight: 2 });
    expect(await statusCounts(agentId)).toEqual({ completed: 2, pending: 3 });
    await until(async () => (await relay.queueDepth(agentId)) === 3, 10_000, 'three left in the queue');
  });

  it('requeues on transport errors and 503, respects Retry-After, and completes each task once the write agent answers', async () => {
    const agentId = await registerAgent();
    const ids = await submitTasks(agentId, 3);
    const proxy = new FaultProxy(fx.agent.url, 1);
    const writeUrl = await proxy.start();
    try {
      proxy.mode = 'reset';
      const worker = await startWorker(agentId, { writeUrl, concurrency: 3, retry: { retryForMs: 400, firstDelayMs: 50, maxDelayMs: 200 }, handle: async (task) => task.payload });
      await relay.publish(fx.db.sql, ids);
      await until(() => worker.stats.requeued >= 6, 20_000, 'each requeued twice');
      expect(await statusCounts(agentId)).toEqual({ pending: 3 });

      proxy.mode = 'unavailable';
      const since = proxy.requests.length;
      const requeuedBefore = worker.stats.requeued;
      await until(() => worker.stats.requeued >= requeuedBefore + 6, 20_000, 'requeued on 503');
      expect(await statusCounts(agentId)).toEqual({ pending: 3 });
      // Retry-After: 1 -> no task's command is sent again within a second of a 503.
      const answered503 = proxy.requests.slice(since).filter((request) => request.mode === 'unavailable');
      for (const path of new Set(answered503.map((request) => request.path))) {
        const times = answered503.filter((request) => request.path === path).map((request) => request.at);
        for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(950);
      }

      proxy.mode = 'pass';
      await until(async () => (await statusCounts(agentId)).completed === 3, 20_000, 'all completed');
      await until(async () => (await relay.queueDepth(agentId)) === 0, 10_000, 'queue drained');
      const events = await eventTypesOf(ids);
      expect(events.filter((event) => event.type === 'TaskStarted')).toHaveLength(3);
      expect(events.filter((event) => event.type === 'TaskCompleted')).toHaveLength(3);
      console.log(`3 tasks through ${proxy.requests.length} proxied requests (${proxy.requests.filter((r) => r.mode === 'reset').length} reset, ${answered503.length} answered 503): requeued ${worker.stats.requeued} times, completed ${worker.stats.completed}`);
    } finally {
      await proxy.stop();
    }
  });
});
