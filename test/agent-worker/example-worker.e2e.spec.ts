import { afterAll, beforeAll, expect, it } from 'vitest';
import { startExampleWorker } from '../../scripts/example-worker.js';
import { createVhost, type Vhost } from '../support/rabbitmq.js';
import { startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { SubmittedEvents } from '../support/submitted-events.js';
import { signToken } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

let fx: WriteAgentFixture;
let reader: ReadAgentFixture;
let vhost: Vhost;
let relay: SubmittedEvents;

beforeAll(async () => {
  [fx, vhost] = await Promise.all([startWriteAgent('example_worker'), createVhost('example-worker')]);
  reader = await startReadAgent({ DATABASE_URL: fx.db.primaryUrl, DATABASE_REPLICA_URLS: fx.db.replicaUrls.join(',') });
  relay = new SubmittedEvents(vhost.url);
});
afterAll(async () => {
  await relay?.close();
  await vhost?.remove();
  await reader?.stop();
  await fx?.stop();
});

async function until(probe: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`not ${what} after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('serves every active agent it finds through ListAgents: echo tasks complete with their payload, other types fail', async () => {
  const agents: string[] = [];
  for (const name of ['example-a', 'example-b']) {
    const answer = await fx.http.post('/agents', { name, version: '1' });
    agents.push(answer.body.id);
    await relay.declareWorkQueue(answer.body.id);
  }
  const lines: string[] = [];
  const token = await signToken({ scope: 'commands:write queries:read' });
  const fleet = startExampleWorker({ writeUrl: fx.agent.url, readUrl: reader.agent.url, token, amqpUrl: vhost.url, log: (line) => lines.push(line), discoverEveryMs: 200 });
  try {
    await until(async () => agents.every((id) => lines.some((line) => line.includes(id))), 15_000, 'serving both agents');
    const submitted = await Promise.all([
      fx.http.post('/tasks', { agentId: agents[0], type: 'echo', payload: { hello: 'a' } }),
      fx.http.post('/tasks', { agentId: agents[1], type: 'echo', payload: { hello: 'b' } }),
      fx.http.post('/tasks', { agentId: agents[1], type: 'resize', payload: {} }),
    ]);
    const ids = submitted.map((answer) => answer.body.id as string);
    await relay.publish(fx.db.sql, ids);
    const rowsOf = async () => (await fx.db.sql.query(`SELECT id, status, result, error FROM tasks WHERE id = ANY($1::uuid[])`, [ids])).rows;
    await until(async () => (await rowsOf()).every((row) => row.status !== 'pending' && row.status !== 'running'), 15_000, 'all settled');
    const byId = Object.fromEntries((await rowsOf()).map((row) => [row.id, row]));
    expect(byId[ids[0]]).toMatchObject({ status: 'completed', result: { echo: { hello: 'a' } } });
    expect(byId[ids[1]]).toMatchObject({ status: 'completed', result: { echo: { hello: 'b' } } });
    expect(byId[ids[2]]).toMatchObject({ status: 'failed', error: 'the example worker runs echo tasks only, not resize' });
  } finally {
    await fleet.stop();
  }
});

it('serves only the agent AGENT_ID names, without ListAgents, as one Deployment per agent runs it', async () => {
  const [served, other] = await Promise.all(
    ['example-only', 'example-other'].map(async (name) => (await fx.http.post('/agents', { name, version: '1' })).body.id as string),
  );
  await Promise.all([relay.declareWorkQueue(served), relay.declareWorkQueue(other)]);
  const lines: string[] = [];
  const token = await signToken({ scope: 'commands:write' });
  const fleet = startExampleWorker({ writeUrl: fx.agent.url, agentId: served, token, amqpUrl: vhost.url, log: (line) => lines.push(line), discoverEveryMs: 200 });
  try {
    await until(async () => lines.some((line) => line.includes(served)), 15_000, 'serving the agent');
    const ids = await Promise.all(
      [served, other].map(async (agentId) => (await fx.http.post('/tasks', { agentId, type: 'echo', payload: { to: agentId } })).body.id as string),
    );
    await relay.publish(fx.db.sql, ids);
    const statusOf = async (id: string) => (await fx.db.sql.query(`SELECT status FROM tasks WHERE id = $1`, [id])).rows[0].status;
    await until(async () => (await statusOf(ids[0])) === 'completed', 15_000, 'the served agent\'s task completed');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await statusOf(ids[1])).toBe('pending');
    expect(lines.filter((line) => line.startsWith('serving'))).toEqual([`serving the echo tasks of agent ${served}`]);
  } finally {
    await fleet.stop();
  }
});
