import { Redis } from 'ioredis';
import { inject } from 'vitest';
import { startAgent, type AgentProcess } from './agent-process.js';
import { HttpClient } from './http-client.js';
import { signToken, TEST_JWT_SECRET } from './tokens.js';

/** A Redis URL on its own database number of the test Redis, emptied first. */
export async function isolatedRedisUrl(db: number): Promise<string> {
  const url = `${inject('redisUrl')}/${db}`;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
  return url;
}

export interface ReadAgentFixture {
  agent: AgentProcess;
  /** A client with a token holding queries:read. */
  http: HttpClient;
  stop(): Promise<number | null>;
}

/** A read agent process with auth on, once ready; `env` holds at least DATABASE_URL. */
export async function startReadAgent(env: Record<string, string>): Promise<ReadAgentFixture> {
  const agent = await startAgent('read-agent', { AUTH_JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0', ...env });
  const http = new HttpClient(agent.url, await signToken({ scope: 'queries:read' }));
  return { agent, http, stop: () => agent.stop() };
}

/** A port nothing listens on, for a store that is down. */
export const CLOSED_PORT = 1;
