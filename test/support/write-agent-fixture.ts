import { startAgent, type AgentProcess } from './agent-process.js';
import { HttpClient } from './http-client.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { signToken, TEST_JWT_SECRET } from './tokens.js';
import { inject } from 'vitest';

export interface WriteAgentFixture {
  db: TestDatabase;
  agent: AgentProcess;
  /** A client with a token holding commands:write. */
  http: HttpClient;
  stop(): Promise<void>;
}

/** A write agent process on its own fresh database, with auth on. */
export async function startWriteAgent(name: string, env: Record<string, string> = {}): Promise<WriteAgentFixture> {
  const db = await createTestDatabase(name);
  const agent = await startAgent('write-agent', {
    DATABASE_URL: db.primaryUrl,
    REDIS_URL: inject('redisUrl'),
    AUTH_JWT_SECRET: TEST_JWT_SECRET,
    RATE_LIMIT_PER_MINUTE: '0',
    ...env,
  });
  const http = new HttpClient(agent.url, await signToken({ scope: 'commands:write' }));
  return {
    db,
    agent,
    http,
    stop: async () => {
      await agent.stop();
      await db.close();
    },
  };
}
