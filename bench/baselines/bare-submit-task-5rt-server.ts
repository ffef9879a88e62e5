/**
 * Baseline (e): the simplest server that does SubmitTask's whole job, in five round trips.
 * `node:http` + a `pg` Pool of 10; for POST /tasks:
 *
 * - the write agent's bearer check: HS256 by `jose` (the library the agent verifies with),
 *   `exp` required, a `sub`, scope `commands:write`; verified tokens are remembered until
 *   they expire, as the agent does;
 * - the body: at most 64 KiB, JSON, `agentId` a lower-case UUID, `type` a string of 1..100
 *   characters, `payload` an object (absent: `{}`), `id` a UUID if given;
 * - `BEGIN`, the agent row `FOR SHARE` (must be active), `INSERT INTO tasks`,
 *   `INSERT INTO events ... RETURNING position, tx_id`, `COMMIT`;
 * - 201 `{ id, revision, position }`.
 *
 * No framework, rate limit, logs, metrics or Redis publish.
 * Environment: DATABASE_URL, AUTH_JWT_SECRET, PORT, HOST (default 127.0.0.1). GET /health/ready = 200.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, subjectOf } from './bare-bearer-check.js';
import pg from 'pg';
import { serveBare } from './bare-server.js';

const BODY_LIMIT_BYTES = 64 * 1024;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10, connectionTimeoutMillis: 5_000 });
pool.on('error', () => undefined);
interface SubmitTask {
  id: string;
  agentId: string;
  type: string;
  payload: Record<string, unknown>;
}

function parseBody(text: string): SubmitTask {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new HttpError(400, 'malformed JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'body must be an object');
  const { agentId, type, payload = {}, id = randomUUID() } = body as Record<string, unknown>;
  if (typeof agentId !== 'string' || !UUID.test(agentId)) throw new HttpError(400, 'agentId must be a UUID');
  if (typeof type !== 'string' || type.length < 1 || type.length > 100) throw new HttpError(400, 'type must be 1..100 characters');
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw new HttpError(400, 'payload must be an object');
  if (typeof id !== 'string' || !UUID.test(id)) throw new HttpError(400, 'id must be a UUID');
  return { id, agentId, type, payload: payload as Record<string, unknown> };
}

async function submitTask(task: SubmitTask, subject: string): Promise<{ status: number; body: unknown }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows: agents } = await client.query<{ status: string }>('SELECT status FROM agents WHERE id = $1 FOR SHARE', [task.agentId]);
    if (agents.length === 0 || agents[0].status !== 'active') {
      await client.query('ROLLBACK');
      return agents.length === 0 ? { status: 422, body: { title: 'unknown agent' } } : { status: 409, body: { title: 'agent not active' } };
    }
    const now = new Date();
    const payload = JSON.stringify(task.payload);
    await client.query(
      `INSERT INTO tasks (id, agent_id, type, status, payload, revision, created_at, updated_at)
       VALUES ($1, $2, $3, 'pending', $4::jsonb, 1, $5, $5)`,
      [task.id, task.agentId, task.type, payload, now],
    );
    const { rows } = await client.query<{ position: string; txId: string }>(
      `INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
       VALUES ('task', $1, 1, 'TaskSubmitted', $2::jsonb, $3::jsonb, $4)
       RETURNING position::text AS position, tx_id::text AS "txId"`,
      [
        task.id,
        JSON.stringify({ agentId: task.agentId, type: task.type, payload: task.payload }),
        JSON.stringify({ requestId: randomUUID(), subject, command: 'SubmitTask' }),
        now,
      ],
    );
    await client.query('COMMIT');
    return { status: 201, body: { id: task.id, revision: 1, position: `${rows[0].txId}.${rows[0].position}` } };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > BODY_LIMIT_BYTES) {
        reject(new HttpError(413, 'body over 64 KiB'));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  if (response.headersSent || response.destroyed) return;
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function handleSubmit(request: IncomingMessage): Promise<{ status: number; body: unknown }> {
  const subject = await subjectOf(request.headers.authorization, 'commands:write');
  if (Number(request.headers['content-length'] ?? 0) > BODY_LIMIT_BYTES) throw new HttpError(413, 'body over 64 KiB');
  return submitTask(parseBody(await readBody(request)), subject);
}

serveBare(3100, { ready: () => pool.query('SELECT 1'), close: () => pool.end() }, (request, response) => {
  if (request.method === 'POST' && request.url === '/tasks') {
    handleSubmit(request).then(
      ({ status, body }) => send(response, status, body),
      (error: unknown) => send(response, error instanceof HttpError ? error.status : 500, { title: error instanceof HttpError ? error.message : 'failed' }),
    );
    return;
  }
  send(response, 404, { title: 'not found' });
});
