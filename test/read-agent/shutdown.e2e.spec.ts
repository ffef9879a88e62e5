import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failuresOf, sigtermUnderLoad, summarize } from '../support/shutdown-load.js';
import { isolatedRedisUrl, startReadAgent, type ReadAgentFixture } from '../support/read-agent-fixture.js';
import { signToken } from '../support/tokens.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

// SIGTERM while CLIENTS clients query in a loop (docs/api.md section 3): every request
// sent on a connection the agent accepted is answered 2xx; once it stops accepting, new
// connections are refused, which is not a failure; the agent exits 0.

const CLIENTS = 50;

let writer: WriteAgentFixture;
let paths: string[];
const readers: ReadAgentFixture[] = [];

beforeAll(async () => {
  writer = await startWriteAgent('read_shutdown');
  const agent = (await writer.http.post('/agents', { name: 'shutdown-agent', version: '1' })).body.id;
  const task = (await writer.http.post('/tasks', { agentId: agent, type: 'crawl.page' })).body.id;
  paths = [`/agents/${agent}`, `/tasks/${task}`, '/stats', '/agents?limit=5', `/tasks?agentId=${agent}`];
});

afterAll(async () => {
  await Promise.all(readers.map((reader) => reader.stop()));
  await writer?.stop();
});

async function sigterm(env: Record<string, string>) {
  const reader = await startReadAgent({ DATABASE_URL: writer.db.primaryUrl, DATABASE_REPLICA_URLS: writer.db.replicaUrls[0]!, ...env });
  readers.push(reader);
  const headers = { authorization: `Bearer ${await signToken({ scope: 'queries:read' })}` };
  let next = 0;
  const run = await sigtermUnderLoad(reader.agent, CLIENTS, () => ({ path: paths[next++ % paths.length]!, init: { headers } }));
  const failures = failuresOf(run.outcomes);
  const figures = { requests: run.outcomes.length, outcomes: summarize(run.outcomes), answeredAfterSignal: run.answeredAfterSignal, exitMs: run.exitMs, exitCode: run.exitCode, failureTimes: run.failureTimes };
  return { run, failures, figures, reader };
}

describe('SIGTERM under load', () => {
  it(`read agent without Redis: ${CLIENTS} clients, no accepted request fails, exit 0`, async () => {
    const { run, failures, figures, reader } = await sigterm({});
    console.log(`read agent SIGTERM under ${CLIENTS} clients (replica, no Redis): ${JSON.stringify(figures)}`);
    expect(failures.slice(0, 10), JSON.stringify(figures)).toEqual([]);
    expect(run.exitCode, reader.agent.output().slice(-5).join('\n')).toBe(0);
  }, 90_000);

  it(`read agent with Redis: ${CLIENTS} clients, no accepted request fails, exit 0`, async () => {
    const { run, failures, figures, reader } = await sigterm({ REDIS_URL: await isolatedRedisUrl(12) });
    console.log(`read agent SIGTERM under ${CLIENTS} clients (Redis): ${JSON.stringify(figures)}`);
    expect(failures.slice(0, 10), JSON.stringify(figures)).toEqual([]);
    expect(run.exitCode, reader.agent.output().slice(-5).join('\n')).toBe(0);
  }, 90_000);
});
