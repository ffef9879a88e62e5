/**
 * Baseline (b): the floor for SubmitTask over HTTP. A bare `node:http` server with a
 * `pg` Pool of the write agent's size (20) that, for POST /tasks, parses the JSON body
 * and sends exactly the write agent's two statements (submit-task-sql.ts) with the same
 * parameters, prepared as the agent prepares them, then answers 201 `{ id, revision, position }`. No framework, no auth, no
 * validation, no rate limit, no logs, no metrics, no Redis publish.
 *
 * Environment: DATABASE_URL, PORT, HOST (default 127.0.0.1). GET /health/ready = 200.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import pg from 'pg';
import { LOG_HEAD_SQL, SUBMIT_TASK_SQL } from './submit-task-sql.js';
import { serveBare } from './bare-server.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 20, connectionTimeoutMillis: 5_000 });
pool.on('error', () => undefined);

interface SubmitBody {
  agentId: string;
  type: string;
  payload?: Record<string, unknown>;
  id?: string;
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

async function submitTask(body: SubmitBody): Promise<{ status: number; body: unknown }> {
  const id = body.id ?? randomUUID();
  const payload = body.payload ?? {};
  const now = new Date();
  const events = [
    { type: 'TaskSubmitted', aggregateType: 'task', aggregateId: id, revision: 1, occurredAt: now, data: { agentId: body.agentId, type: body.type, payload } },
  ];
  const metadata = { requestId: randomUUID(), subject: 'bench', command: 'SubmitTask' };
  const { rows } = await pool.query<{ position: string; txId: string }>({
    name: 'submit-task',
    text: SUBMIT_TASK_SQL,
    values: [id, body.agentId, body.type, 'pending', JSON.stringify(payload), 1, now, null, JSON.stringify(events), JSON.stringify(metadata)],
  });
  const appended = rows[0];
  if (!appended) return { status: 409, body: { title: 'unknown or inactive agent' } };
  const { rows: heads } = await pool.query<{ position: string; txId: string }>({ name: 'log-head', text: LOG_HEAD_SQL });
  const head = heads[0] ?? appended;
  return { status: 201, body: { id, revision: 1, position: `${head.txId}.${head.position}` } };
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

serveBare(3100, { ready: () => pool.query('SELECT 1'), close: () => pool.end() }, (request, response) => {
  if (request.method === 'POST' && request.url === '/tasks') {
    readBody(request)
      .then((text) => submitTask(JSON.parse(text) as SubmitBody))
      .then(({ status, body }) => send(response, status, body))
      .catch(() => send(response, 500, { title: 'failed' }));
    return;
  }
  send(response, 404, { title: 'not found' });
});
