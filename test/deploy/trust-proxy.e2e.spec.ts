import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { HttpClient } from '../support/http-client.js';
import { waitForLogLine } from '../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { TEST_JWT_SECRET } from '../support/tokens.js';

// Behind the gateway every request reaches an agent from the gateway's address. With
// TRUST_PROXY naming the gateway, the client address comes from X-Forwarded-For: it has
// its own rate-limit bucket (requests without a valid token count against it, docs/api.md
// section 2) and is written in the access log. Without it, X-Forwarded-For is ignored.

const LIMIT = 2;

let db: TestDatabase;
let trusting: AgentProcess;
let plain: AgentProcess;
let reader: AgentProcess;

beforeAll(async () => {
  db = await createTestDatabase('trust_proxy');
  // No Redis (REDIS_URL empty, as an unset compose variable gives it): each agent counts
  // alone, so no other test file shares a bucket with these.
  const env = {
    DATABASE_URL: db.primaryUrl,
    REDIS_URL: '',
    AMQP_URL: '',
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_PER_MINUTE: String(LIMIT),
  };
  [trusting, plain, reader] = await Promise.all([
    startAgent('write-agent', { ...env, TRUST_PROXY: '127.0.0.1' }),
    startAgent('write-agent', env),
    startAgent('read-agent', { ...env, DATABASE_REPLICA_URLS: '', TRUST_PROXY: 'loopback' }),
  ]);
});
afterAll(async () => {
  await Promise.all([trusting?.stop(), plain?.stop(), reader?.stop()]);
  await db?.close();
});

/** A command without a token, as `forwardedFor` behind the gateway: 401, or 429 once over the limit. */
const anonymousCommand = (agent: AgentProcess, forwardedFor: string) =>
  new HttpClient(agent.url).request('POST', '/agents', {
    body: { name: 'x', version: '1' },
    headers: { 'x-forwarded-for': forwardedFor },
  });

const accessLine = (agent: AgentProcess, address: string) =>
  waitForLogLine(agent, (line) => line.msg === 'request completed' && line.remoteAddress === address);

describe('with TRUST_PROXY naming the gateway', () => {
  it('gives two clients behind it separate rate-limit buckets', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await anonymousCommand(trusting, '203.0.113.7')).status).toBe(401);
    expect((await anonymousCommand(trusting, '203.0.113.7')).status).toBe(429);
    expect((await anonymousCommand(trusting, '198.51.100.9')).status).toBe(401);
  });

  it('writes the forwarded client address in the access log', async () => {
    expect(await accessLine(trusting, '203.0.113.7'), trusting.output().slice(-5).join('\n')).toBeDefined();
    expect(await accessLine(trusting, '198.51.100.9')).toBeDefined();
  });

  it("takes the address the gateway appended, not one the client put before it", async () => {
    expect((await anonymousCommand(trusting, '192.0.2.66, 203.0.113.50')).status).toBe(401);
    expect(await accessLine(trusting, '203.0.113.50')).toBeDefined();
    expect(trusting.logs().some((line) => line.remoteAddress === '192.0.2.66')).toBe(false);
  });

  it('does the same on the read agent', async () => {
    expect((await new HttpClient(reader.url).request('GET', '/agents', { headers: { 'x-forwarded-for': '203.0.113.77' } })).status).toBe(401);
    expect(await accessLine(reader, '203.0.113.77')).toBeDefined();
  });
});

describe('without TRUST_PROXY', () => {
  it('ignores a forged X-Forwarded-For: every request counts against the connection address', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await anonymousCommand(plain, `203.0.113.${10 + i}`)).status).toBe(401);
    expect((await anonymousCommand(plain, '198.51.100.99')).status).toBe(429);
  });

  it('logs the connection address', async () => {
    expect(await accessLine(plain, '127.0.0.1')).toBeDefined();
    expect(plain.logs().some((line) => String(line.remoteAddress ?? '').startsWith('203.0.113.'))).toBe(false);
  });
});
