import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent } from '../support/agent-process.js';
import { failuresOf, sigtermUnderLoad, summarize } from '../support/shutdown-load.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';

// SIGTERM while CLIENTS clients send commands in a loop (docs/api.md section 3): every
// command sent on a connection the agent accepted is answered 201 and is in the log;
// new connections are refused once it stops accepting (not a failure); it exits 0.
// operations.e2e.spec.ts holds requests inside their handlers at the signal.

const CLIENTS = 50;
let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase('write_shutdown');
});
afterAll(async () => {
  await db?.close();
});

describe('SIGTERM under load', () => {
  it(`write agent: ${CLIENTS} clients registering agents, no accepted command fails, each 201 in the log, exit 0`, async () => {
    const agent = await startAgent('write-agent', { DATABASE_URL: db.primaryUrl, AUTH_JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0' });
    const headers = { authorization: `Bearer ${await signToken({ scope: 'commands:write' })}`, 'content-type': 'application/json' };
    const ids: string[] = [];
    const run = await sigtermUnderLoad(agent, CLIENTS, () => {
      const id = randomUUID();
      ids.push(id);
      return { path: '/agents', init: { method: 'POST', headers, body: JSON.stringify({ id, name: `shutdown-${id}`, version: '1' }) } };
    });
    const figures = { requests: run.outcomes.length, outcomes: summarize(run.outcomes), answeredAfterSignal: run.answeredAfterSignal, exitMs: run.exitMs, exitCode: run.exitCode };
    console.log(`write agent SIGTERM under ${CLIENTS} clients: ${JSON.stringify(figures)} ${run.failureTimes.join(', ')}`);
    expect(failuresOf(run.outcomes).slice(0, 10), JSON.stringify(figures)).toEqual([]);
    expect(run.exitCode, agent.output().slice(-5).join('\n')).toBe(0);
    const { rows } = await db.sql.query<{ n: number }>('SELECT count(*)::int AS n FROM events');
    expect(rows[0]!.n, 'events vs commands answered 201').toBe(run.outcomes.filter((o) => o.status === 201).length);
  }, 90_000);
});
