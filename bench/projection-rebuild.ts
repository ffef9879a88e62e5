// How fast a rebuild replays the event log into Redis (read agent item "rebuild").
// Not part of `npm run bench` or `npm test`: `npm run build && node dist/bench/projection-rebuild.js [events]`.
// Starts its own PostgreSQL primary + replica and Redis, writes a synthetic log (agents,
// then tasks submitted, started and completed), and rebuilds from the replica.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createDatabase, startPostgresCluster, startRedisServer } from '@app/local-stack';
import { EventLogReader } from '../apps/read-agent/src/projections/event-log.reader.js';
import { EventLogSource } from '../apps/read-agent/src/projections/event-log.source.js';
import { ProjectionRebuild } from '../apps/read-agent/src/projections/projection-rebuild.js';
import { runMigrations } from '../migrations/data-source.js';

const EVENTS = Number(process.argv[2] ?? 100_000);
const AGENTS = 1_000;
const TASKS = Math.floor((EVENTS - AGENTS) / 3);
const PER_STATEMENT = 1_000;

const append = (type: string, revision: number, data: string) => `
  INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
  SELECT 'task', md5('task' || t)::uuid, ${revision}, '${type}', ${data}, '{"command":"bench"}', now()
  FROM generate_series($1::int, $2::int) AS t`;
const agentOf = `md5('agent' || (t % ${AGENTS} + 1))::text`;

async function writeLog(primaryUrl: string): Promise<void> {
  const sql = new pg.Client({ connectionString: primaryUrl });
  await sql.connect();
  await sql.query(`
    INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
    SELECT 'agent', md5('agent' || i)::uuid, 1, 'AgentRegistered',
           jsonb_build_object('name', 'agent-' || i, 'version', '1.0', 'config', jsonb_build_object('depth', i % 5)),
           '{"command":"bench"}', now()
    FROM generate_series(1, ${AGENTS}) AS i`);
  const phases = [
    append('TaskSubmitted', 1, `jsonb_build_object('agentId', ${agentOf}::uuid, 'type', 'crawl.page', 'payload', jsonb_build_object('url', 'https://example.test/' || t))`),
    append('TaskStarted', 2, `jsonb_build_object('agentId', ${agentOf}::uuid)`),
    append('TaskCompleted', 3, `jsonb_build_object('agentId', ${agentOf}::uuid, 'result', jsonb_build_object('pages', 3))`),
  ];
  for (const statement of phases) {
    for (let first = 1; first <= TASKS; first += PER_STATEMENT) {
      await sql.query(statement, [first, Math.min(first + PER_STATEMENT - 1, TASKS)]);
    }
  }
  await sql.query('ANALYZE events');
  await sql.end();
}

async function main(): Promise<void> {
  Logger.overrideLogger(['error', 'warn']);
  const dataDir = await mkdtemp(join(tmpdir(), 'rebuild-bench-'));
  const cluster = await startPostgresCluster({ dataDir, replicas: 1 });
  const redisServer = await startRedisServer();
  if (!redisServer) throw new Error('needs redis-server on PATH');
  const redis = new Redis(redisServer.url);
  const database = await createDatabase(cluster, 'rebuild_bench');
  const source = new EventLogSource(database);
  try {
    await runMigrations(database.primaryUrl);
    console.log(`writing ${AGENTS + 3 * TASKS} events...`);
    await writeLog(database.primaryUrl);
    await cluster.waitForReplication();
    for (const run of [1, 2]) {
      const cpu = process.cpuUsage();
      const result = await new ProjectionRebuild(redis, new EventLogReader(source), {
        leaseMs: 3_000,
        report: (line) => console.log(`  ${line}`),
      }).run();
      const { user, system } = process.cpuUsage(cpu);
      const cpuSeconds = (user + system) / 1e6;
      // On a busy machine wall time says little; the rebuild's own CPU time bounds its speed.
      console.log(
        `run ${run}: ${result.events} events in ${result.seconds.toFixed(2)} s = ${result.eventsPerSecond} events/s ` +
          `(${result.poison} poison); rebuild process CPU ${cpuSeconds.toFixed(2)} s = ${Math.round(result.events / cpuSeconds)} events per CPU-second`,
      );
    }
  } finally {
    await source.onApplicationShutdown();
    redis.disconnect();
    await redisServer.stop();
    await cluster.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
