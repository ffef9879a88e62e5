import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { parsePositionToken } from '@app/domain';
import { createDatabase, runNodeProgram, startPostgresCluster, type PostgresCluster } from '@app/local-stack';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { expectReadersToMatchPrimary, FleetWorkload, startFleetStack, waitForProjections, type FleetStack } from '../support/fleet-stack.js';
import { HttpClient } from '../support/http-client.js';
import { isolatedRedis, latestToken, viewsInRedis, viewsOnPrimary, waitForCheckpoint, type TestRedis } from '../support/projection-harness.js';
import type { TestDatabase } from '../support/test-database.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';

// Losing the machine: the database is backed up with scripts/backup.sh, restored with
// scripts/restore.sh into a cluster made by a fresh initdb (whose transaction counter is
// far below the ids in the log), the agents start on it with an empty Redis and the
// projections are rebuilt. Every view must equal the original, and a new command must be
// projected and readable with its token.

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, '../..');
const REBUILD = join(ROOT, 'dist/apps/read-agent/src/rebuild-projections.js');
/** Transaction ids the source has used at least: far past a fresh cluster's counter. */
const SOURCE_XIDS = 30_000;

const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const script = (name: string, file: string, databaseUrl: string) =>
  run('bash', [join(ROOT, 'scripts', name), file], { env: { PATH: process.env.PATH, DATABASE_URL: databaseUrl }, timeout: 60_000 });

async function currentXid(sql: pg.Pool): Promise<bigint> {
  return BigInt((await sql.query(`SELECT pg_current_xact_id()::text AS xid`)).rows[0].xid);
}

it('restores a backup into a brand-new cluster: the rebuilt views equal the original, and new commands follow the restored log', async () => {
  const source: FleetStack = await startFleetStack('restore_source', 1);
  cleanups.push(() => source.stop());
  // The shared test cluster may be young: use up transaction ids so that the log's are high.
  await source.db.sql.query(`DO $$ BEGIN WHILE pg_current_xact_id()::text::bigint < ${SOURCE_XIDS} LOOP COMMIT; END LOOP; END $$`);
  const workload = new FleetWorkload(source.writer.http);
  await workload.run({ commands: 600, clients: 6 });
  expect(workload.unexpected.slice(0, 5)).toEqual([]);
  await waitForProjections(source, source.readers, latestToken(workload.tokens));
  const original = await expectReadersToMatchPrimary(source, source.readers);
  const sourceHead = BigInt((await source.db.sql.query(`SELECT max(tx_id)::text AS tx FROM events`)).rows[0].tx);

  const dir = await mkdtemp(join(tmpdir(), 'restore-new-cluster-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const archive = join(dir, 'fleet.dump');
  await script('backup.sh', archive, source.db.primaryUrl);

  const cluster: PostgresCluster = await startPostgresCluster({ dataDir: join(dir, 'pg'), replicas: 1 });
  cleanups.push(() => cluster.stop());
  const urls = await createDatabase(cluster, 'restored');
  const sql = new pg.Pool({ connectionString: urls.primaryUrl, max: 4 });
  cleanups.push(() => sql.end());
  const restored: TestDatabase = { ...urls, sql, close: () => sql.end() };
  // What makes this a restore into a new cluster: its counter is below the log's ids.
  expect(await currentXid(sql)).toBeLessThan(sourceHead);
  const { stdout } = await script('restore.sh', archive, urls.primaryUrl);
  expect(stdout).toMatch(/log clock offset \d+/);

  const redis: TestRedis = await isolatedRedis();
  cleanups.push(() => redis.close());
  const env = { DATABASE_URL: urls.primaryUrl, DATABASE_REPLICA_URLS: urls.replicaUrls[0]!, REDIS_URL: redis.url, AUTH_JWT_SECRET: TEST_JWT_SECRET, RATE_LIMIT_PER_MINUTE: '0' };
  const rebuild = await runNodeProgram({ entry: REBUILD, env: { PATH: process.env.PATH, ...env }, timeoutMs: 60_000 });
  expect(rebuild.code, rebuild.output).toBe(0);
  expect(await viewsInRedis(redis.client)).toStrictEqual(original);
  expect(await viewsOnPrimary(restored)).toStrictEqual(original);

  const writer: AgentProcess = await startAgent('write-agent', env);
  cleanups.push(() => writer.stop());
  const reader: AgentProcess = await startAgent('read-agent', env);
  cleanups.push(() => reader.stop());
  const commands = new HttpClient(writer.url, await signToken({ scope: 'commands:write' }));
  const queries = new HttpClient(reader.url, await signToken({ scope: 'queries:read' }));
  const registered = await commands.post('/agents', { name: 'after-the-restore', version: '1.0' });
  expect(registered.status).toBe(201);
  // Sorted after the whole restored history, not before it.
  expect(parsePositionToken(registered.body.position)!.txId).toBeGreaterThan(sourceHead);
  // Projected: Redis's checkpoint reaches the token, and Redis (asked first) answers with it.
  await waitForCheckpoint(redis.client, parsePositionToken(registered.body.position)!);
  const read = await queries.get(`/agents/${registered.body.id}`, { 'x-min-position': registered.body.position });
  expect(read.status).toBe(200);
  expect(read.headers.get('x-data-source')).toBe('redis');
  expect(read.body).toMatchObject({ name: 'after-the-restore', version: '1.0' });
  const views = await viewsInRedis(redis.client);
  expect(Object.keys(views.agents)).toHaveLength(Object.keys(original.agents).length + 1);
  console.log(
    `restore into a new cluster: ${Object.keys(original.agents).length} agents, ${Object.keys(original.tasks).length} tasks; ` +
      `log head tx ${sourceHead}, new cluster at xid ${await currentXid(sql)}; rebuild: ${rebuild.output.trim().split('\n').at(-1)}`,
  );
}, 240_000);
