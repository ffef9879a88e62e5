import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runAgentToExit, startAgent, type AgentProcess } from '../support/agent-process.js';
import { HttpClient } from '../support/http-client.js';
import { waitForLogLine } from '../support/logs.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { TEST_JWT_SECRET } from '../support/tokens.js';

// docs/api.md section 7: the write agent validates its environment at start-up, and runs
// without authentication when told to.

/** Runs at most two of the given tasks at once. */
function twoAtATime() {
  let running = 0;
  const queue: Array<() => void> = [];
  return async <T>(task: () => Promise<T>): Promise<T> => {
    if (running >= 2) await new Promise<void>((done) => queue.push(done));
    running++;
    try {
      return await task();
    } finally {
      running--;
      queue.shift()?.();
    }
  };
}

const unique = (prefix = 'env') => `${prefix}-${randomUUID()}`;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('environment');
});
afterAll(async () => {
  await db?.close();
});

describe('environment validation', () => {
  const valid = { DATABASE_URL: 'postgres://user:password@127.0.0.1:1/none', AUTH_JWT_SECRET: TEST_JWT_SECRET };
  const omit = (key: keyof typeof valid) => {
    const { [key]: _omitted, ...rest } = valid;
    return rest;
  };
  const cases: Array<[string, string, Record<string, string>]> = [
    ['DATABASE_URL is missing', 'DATABASE_URL', omit('DATABASE_URL')],
    ['DATABASE_URL is mysql://x', 'DATABASE_URL', { ...valid, DATABASE_URL: 'mysql://x' }],
    ['AUTH_JWT_SECRET is shorter than 32 characters', 'AUTH_JWT_SECRET', { ...valid, AUTH_JWT_SECRET: 'x'.repeat(31) }],
    ['AUTH_JWT_SECRET is missing without AUTH_DISABLED', 'AUTH_JWT_SECRET', omit('AUTH_JWT_SECRET')],
    ['PORT is abc', 'PORT', { ...valid, PORT: 'abc' }],
    ['RATE_LIMIT_PER_MINUTE is -1', 'RATE_LIMIT_PER_MINUTE', { ...valid, RATE_LIMIT_PER_MINUTE: '-1' }],
    ['LOG_LEVEL is loud', 'LOG_LEVEL', { ...valid, LOG_LEVEL: 'loud' }],
    ['REDIS_URL is http://x', 'REDIS_URL', { ...valid, REDIS_URL: 'http://x' }],
    ['AUTH_DISABLED is maybe', 'AUTH_DISABLED', { ...valid, AUTH_DISABLED: 'maybe' }],
    ['CORS_ORIGINS names a URL with a path', 'CORS_ORIGINS', { ...valid, CORS_ORIGINS: 'https://app.example.com/app' }],
    ['CORS_ORIGINS holds *', 'CORS_ORIGINS', { ...valid, CORS_ORIGINS: 'https://app.example.com,*' }],
    ['CORS_ORIGINS names an ftp:// origin', 'CORS_ORIGINS', { ...valid, CORS_ORIGINS: 'ftp://files.example.com' }],
  ];

  // Two at a time: each is a whole Node process loading Nest, and CI machines are small.
  const slots = twoAtATime();

  it.concurrent.each(cases)('refuses to start when %s, with one line naming %s', async (_what, variable, env) => {
    const { code, output } = await slots(() => runAgentToExit('write-agent', env));
    const lines = output.split('\n').filter((line) => line.trim().length > 0);
    expect(code, output).not.toBe(0);
    expect(code, 'killed instead of exiting').not.toBeNull();
    expect(lines, output).toHaveLength(1);
    expect(lines[0]).toMatch(/^Invalid environment:/);
    expect(lines[0]).toContain(variable);
  });
});

describe('AUTH_DISABLED=true', () => {
  let open: AgentProcess;
  beforeAll(async () => {
    open = await startAgent('write-agent', {
      DATABASE_URL: db.primaryUrl,
      REDIS_URL: inject('redisUrl'),
      AUTH_DISABLED: 'true',
      RATE_LIMIT_PER_MINUTE: '0',
    });
  });
  afterAll(async () => {
    await open?.stop();
  });

  it('starts without AUTH_JWT_SECRET and logs a warning', async () => {
    const warning = await waitForLogLine(open, (entry) => entry.level === 'warn' && /AUTH_DISABLED/.test(String(entry.msg)));
    expect(warning, open.output().join('\n')).toBeDefined();
  });

  it('accepts commands without a token', async () => {
    const http = new HttpClient(open.url);
    const answer = await http.post('/agents', { name: unique(), version: '1' });
    expect(answer.status).toBe(201);
    expect((await http.post(`/agents/${answer.body.id}/pause`)).status).toBe(200);
  });
});
