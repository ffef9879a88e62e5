import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase, runNodeProgram, type DatabaseUrls } from '@app/local-stack';
import { runMigrations } from '../../migrations/data-source.js';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { HttpClient } from '../support/http-client.js';
import { isolatedRedisUrl } from '../support/read-agent-fixture.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';

// The agents connect as agent_fleet_app, which deploy/postgres/app-role.sql grants only
// row access: run as in docker-compose.yml (the grants before the migrations, by the
// owner), both agents, the projector and the rebuild work on it, and it cannot change the
// schema.

const ROOT = resolve(import.meta.dirname, '../..');
const APP_ROLE_SQL = readFileSync(resolve(ROOT, 'deploy/postgres/app-role.sql'), 'utf8');
const ROLE = 'agent_fleet_app';
const PASSWORD = `app-${randomUUID()}`;

let owner: DatabaseUrls;
let app: DatabaseUrls;
let redisUrl: string;
let writer: AgentProcess;
let reader: AgentProcess;

/** The URL with the app role's credentials. */
function asApp(url: string): string {
  const parsed = new URL(url);
  parsed.username = ROLE;
  parsed.password = PASSWORD;
  return parsed.toString();
}

async function onDatabase<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  owner = await createDatabase(
    { primaryUrl: inject('primaryUrl'), replicaUrls: inject('replicaUrls') },
    `app_role_${randomUUID().slice(0, 8)}`,
  );
  await onDatabase(owner.primaryUrl, async (client) => {
    // Roles belong to the cluster: another run may have made it already.
    await client.query(`DO $$ BEGIN CREATE ROLE ${ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`);
    await client.query(`ALTER ROLE ${ROLE} PASSWORD '${PASSWORD}'`);
    await client.query(APP_ROLE_SQL);
  });
  await runMigrations(owner.primaryUrl);
  // Again, as on an existing database: it is idempotent.
  await onDatabase(owner.primaryUrl, (client) => client.query(APP_ROLE_SQL));
  app = { primaryUrl: asApp(owner.primaryUrl), replicaUrls: owner.replicaUrls.map(asApp) };
  redisUrl = await isolatedRedisUrl(14);
  const env = { DATABASE_URL: app.primaryUrl, REDIS_URL: redisUrl, AUTH_JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0' };
  [writer, reader] = await Promise.all([
    startAgent('write-agent', env),
    startAgent('read-agent', { ...env, DATABASE_REPLICA_URLS: app.replicaUrls.join(','), PROJECTION_LEASE_MS: '1000' }),
  ]);
});
afterAll(async () => {
  await Promise.all([writer?.stop(), reader?.stop()]);
});

describe('the agents as agent_fleet_app', () => {
  it('take commands, including a task through its whole life', async () => {
    const http = new HttpClient(writer.url, await signToken({ scope: 'commands:write' }));
    const agent = await http.post('/agents', { name: `app-${randomUUID()}`, version: '1.0.0' });
    expect(agent.status, JSON.stringify(agent.body)).toBe(201);
    const task = await http.post('/tasks', { agentId: agent.body.id, type: 'echo', payload: { n: 1 } });
    expect(task.status, JSON.stringify(task.body)).toBe(201);
    expect((await http.request('POST', `/tasks/${task.body.id}/start`)).status).toBe(200);
    const done = await http.request('POST', `/tasks/${task.body.id}/complete`, { body: { result: { ok: true } } });
    expect(done.status, JSON.stringify(done.body)).toBe(200);
    expect((await http.get('/health/ready')).status).toBe(200);

    const read = new HttpClient(reader.url, await signToken({ scope: 'queries:read' }));
    const view = await read.get(`/tasks/${task.body.id}`, { 'x-min-position': done.body.position });
    expect(view.status, JSON.stringify(view.body)).toBe(200);
    expect(view.body.status).toBe('completed');
  });

  it('are ready, the projector included, with no permission error in their logs', async () => {
    const read = new HttpClient(reader.url);
    const ready = await read.get('/health/ready');
    expect(ready.status, JSON.stringify(ready.body)).toBe(200);
    // The projector reached Redis through the log functions and the history check.
    await expect.poll(async () => (await read.get('/health/ready')).body.details?.projections?.eventsBehind, { timeout: 15_000 }).toBe(0);
    for (const agent of [writer, reader]) {
      expect(agent.output().filter((line) => /permission denied|must be owner/i.test(line))).toEqual([]);
    }
  });

  it('rebuild the projections', async () => {
    const { code, output } = await runNodeProgram({
      entry: resolve(ROOT, 'dist/apps/read-agent/src/rebuild-projections.js'),
      env: { PATH: process.env.PATH, DATABASE_URL: app.primaryUrl, DATABASE_REPLICA_URLS: app.replicaUrls.join(','), REDIS_URL: redisUrl, PROJECTION_LEASE_MS: '1000' },
      timeoutMs: 30_000,
    });
    expect(code, output).toBe(0);
  });

  it('cannot change the schema', async () => {
    await onDatabase(app.primaryUrl, async (client) => {
      await expect(client.query('CREATE TABLE intruder (id int)')).rejects.toThrow(/permission denied/);
      await expect(client.query('DROP TABLE tasks')).rejects.toThrow(/must be owner/);
      await expect(client.query('ALTER TABLE agents ADD COLUMN x int')).rejects.toThrow(/must be owner/);
      const { rows } = await client.query(
        `SELECT count(*)::int AS owned FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1`,
        [ROLE],
      );
      expect(rows[0].owned).toBe(0);
    });
  });
});
