import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { HttpClient } from '../support/http-client.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';

// Compose writes `NAME=` for an unset `${NAME:-}`, and Kubernetes for an empty Secret or
// ConfigMap key: the agents start on every optional variable left empty, as if unset
// (an empty AMQP_URL, LOG_LEVEL or TRUST_PROXY used to stop them).

const EMPTY_OPTIONAL = {
  REDIS_URL: '',
  REDIS_SENTINELS: '',
  REDIS_SENTINEL_NAME: '',
  REDIS_COMMAND_TIMEOUT_MS: '',
  DATABASE_REPLICA_URLS: '',
  AMQP_URL: '',
  LOG_LEVEL: '',
  TRUST_PROXY: '',
  CORS_ORIGINS: '',
  AUTH_DISABLED: '',
  RATE_LIMIT_PER_MINUTE: '',
  PG_CONNECT_TIMEOUT_MS: '',
  READ_PG_QUERY_TIMEOUT_MS: '',
  READ_WAIT_MS: '',
  PROJECTION_LEASE_MS: '',
  RELAY_LEASE_MS: '',
  TASK_DEADLINE_SWEEP_MS: '',
};

let db: TestDatabase;
let writer: AgentProcess;
let reader: AgentProcess;

beforeAll(async () => {
  db = await createTestDatabase('empty_variables');
  const env = { ...EMPTY_OPTIONAL, DATABASE_URL: db.primaryUrl, AUTH_JWT_SECRET: TEST_JWT_SECRET };
  [writer, reader] = await Promise.all([startAgent('write-agent', env), startAgent('read-agent', env)]);
});
afterAll(async () => {
  await Promise.all([writer?.stop(), reader?.stop()]);
  await db?.close();
});

describe('optional variables set to the empty string', () => {
  it('start both agents as if unset: ready, with no Redis and no relay', async () => {
    const ready = await new HttpClient(writer.url).get('/health/ready');
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);
    expect(ready.body.details.relay.state).toBe('disabled');
    expect((await new HttpClient(reader.url).get('/health/ready')).status).toBe(200);
  });

  it('serve commands and queries', async () => {
    const created = await new HttpClient(writer.url, await signToken({ scope: 'commands:write' })).post('/agents', {
      name: 'empty-variables',
      version: '1.0.0',
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const read = new HttpClient(reader.url, await signToken({ scope: 'queries:read' }));
    expect((await read.get(`/agents/${created.body.id}`, { 'x-min-position': created.body.position })).status).toBe(200);
  });
});
