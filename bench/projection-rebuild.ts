// How fast a rebuild replays the event log into Redis (read agent item "rebuild"), in process.
// `npm run bench` measures the same through the real entry point (scenario projection-rebuild,
// bench/scenarios/projection-rebuild.ts); this script stays for profiling the rebuild in
// process: `npm run build && node dist/bench/projection-rebuild.js [events]`.
// Starts its own PostgreSQL primary + replica and Redis, writes a synthetic log (agents,
// then tasks submitted, started and completed), and rebuilds from the replica.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';
import { createDatabase, startPostgresCluster, startRedisServer } from '@app/local-stack';
import { EventLogSource } from '../apps/read-agent/src/event-log/event-log.source.js';
import { projectorLogReader } from '../apps/read-agent/src/event-log/projector-log-reader.js';
import { ProjectionRebuild } from '../apps/read-agent/src/rebuild/projection-rebuild.js';
import { runMigrations } from '../migrations/data-source.js';
import { writeSyntheticLog } from './lib/synthetic-log.js';

const EVENTS = Number(process.argv[2] ?? 100_000);

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
    console.log(`writing ${EVENTS} events...`);
    await writeSyntheticLog(database.primaryUrl, EVENTS);
    await cluster.waitForReplication();
    for (const run of [1, 2]) {
      const cpu = process.cpuUsage();
      const result = await new ProjectionRebuild(redis, projectorLogReader(source), {
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
