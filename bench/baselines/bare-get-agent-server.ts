/**
 * Baseline (a): the floor for GetAgent from Redis over HTTP. A bare `node:http` server
 * with one `ioredis` connection (the read agent's options) that, for GET /agents/:id,
 * runs exactly the read agent's Redis read: the same Lua script by EVALSHA
 * (readUnderGeneration() of apps/read-agent/src/redis-views/generation-read.ts, imported,
 * not copied: the generation, the agent view and the checkpoint in one round trip), parses
 * the view (as the agent's reader does) to compute the agent's ETag, and answers 200 with
 * the view as stored, `ETag` and `X-Data-Source: redis` (404 when Redis has no view),
 * after the agents' bearer check (bare-bearer-check.ts, scope `queries:read`).
 * No framework, no validation beyond the id's shape, no rate limit, no logs, no metrics,
 * no breaker, no replica fallback.
 *
 * Environment: REDIS_URL, AUTH_JWT_SECRET, PORT, HOST (default 127.0.0.1). GET /health/ready = 200.
 */
import type { ServerResponse } from 'node:http';
import { Redis } from 'ioredis';
import { agentEtag } from '../../apps/read-agent/src/http/etags.js';
import { keySuffix, readUnderGeneration } from '../../apps/read-agent/src/redis-views/generation-read.js';
import type { AgentView } from '../../apps/read-agent/src/read-model/views.js';
import { HttpError, subjectOf } from './bare-bearer-check.js';
import { serveBare } from './bare-server.js';

const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', {
  lazyConnect: false,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  connectTimeout: 2_000,
  retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
});
redis.on('error', () => undefined);

const CHECKPOINT = keySuffix((keys) => keys.checkpoint);
const ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const PREFIX = '/agents/';

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  response.end(body);
}

async function getAgent(response: ServerResponse, id: string, authorization: string | undefined): Promise<void> {
  await subjectOf(authorization, 'queries:read');
  const read = await readUnderGeneration(redis, [keySuffix((keys) => keys.agent(id)), CHECKPOINT]);
  const json = read?.values[0] ?? null;
  if (json === null) return send(response, 404, '{"title":"not found"}', { 'x-data-source': 'redis' });
  const view = JSON.parse(json) as AgentView;
  send(response, 200, json, { etag: agentEtag(view), 'x-data-source': 'redis' });
}

serveBare(3101, { ready: () => redis.ping(), close: () => redis.quit().catch(() => redis.disconnect()) }, (request, response) => {
  const url = request.url ?? '';
  if (request.method === 'GET' && url.startsWith(PREFIX)) {
    const id = url.slice(PREFIX.length);
    if (!ID.test(id)) return send(response, 400, '{"title":"bad id"}');
    getAgent(response, id.toLowerCase(), request.headers.authorization).catch((error: unknown) =>
      error instanceof HttpError
        ? send(response, error.status, JSON.stringify({ title: error.message }))
        : send(response, 503, '{"title":"redis unavailable"}'),
    );
    return;
  }
  send(response, 404, '{"title":"not found"}');
});
