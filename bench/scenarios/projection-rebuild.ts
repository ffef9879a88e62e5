import { waitForReplicaReplay, withClient } from '@app/local-stack';
import { createScratchDatabase, redisUrlWithDb } from '../lib/databases.js';
import { withTimeout } from '../lib/lifecycle.js';
import { runNodeOnce } from '../lib/processes.js';
import { round, throughputOf } from '../lib/stats.js';
import { writeSyntheticLog } from '../lib/synthetic-log.js';
import type { Measurement, Scenario } from './scenario.js';

const SCENARIO = 'Projection rebuild';
const TARGET_EVENTS_PER_S = 20_000;
const RUNS = 3;
/** Redis logical database of the rebuild: its generations must not replace the bench database's. */
const REDIS_DB = 1;

/**
 * Rebuild speed: a synthetic log (BENCH_REBUILD_EVENTS, 100,000 events: agents, then tasks
 * submitted, started and completed; bench/lib/synthetic-log.ts, as bench/projection-rebuild.ts
 * writes it) in a database of its own, then the real entry point
 * (dist/apps/read-agent/src/rebuild-projections.js, i.e. `npm run projections:rebuild`)
 * three times (the log VACUUM ANALYZEd first), reading the log from the replica into a Redis logical database of its own.
 * events/s is the tool's own figure (from the start of the rebuild to the swap, process
 * start-up excluded); the wall time of the process is in the details.
 */
export const projectionRebuildScenario: Scenario = {
  name: 'projection-rebuild',
  description: 'rebuild of every projection from the event log (npm run projections:rebuild)',
  async run(context) {
    const base = { id: 'projection-rebuild/rebuild', scenario: SCENARIO, target: 'rebuild-projections (read agent)', role: 'agent', unit: 'events/s' } as const;
    if (!context.stores.redisUrl) return [{ ...base, skipped: 'no Redis' }];
    const events = context.config.rebuildEvents;
    context.log(`writing a synthetic log of ${events} events (SQL)...`);
    const database = await createScratchDatabase(context.stores, 'bench_rebuild');
    const fillStarted = performance.now();
    const written = await withTimeout(writeSyntheticLog(database.primaryUrl, events), 180_000, 'writing the synthetic log');
    // As a log that has been there a while: vacuumed (else autovacuum starts on it during a run).
    await withClient(database.primaryUrl, (client) => client.query('VACUUM ANALYZE events'));
    const fillS = (performance.now() - fillStarted) / 1000;
    const replay = await waitForReplicaReplay(database, { timeoutMs: 120_000 });
    context.log(`  ${written} events in ${fillS.toFixed(1)} s; replica caught up ${replay.ms} ms later`);

    const env = {
      DATABASE_URL: database.primaryUrl,
      ...(database.replicaUrls.length > 0 ? { DATABASE_REPLICA_URLS: database.replicaUrls.join(',') } : {}),
      REDIS_URL: redisUrlWithDb(context.stores.redisUrl, REDIS_DB),
    };
    const runs: Array<{ eventsPerSecond: number; events: number; seconds: number; wallS: number; cpuS?: number; poison?: number }> = [];
    for (let run = 1; run <= RUNS; run++) {
      context.log(`  rebuild ${run}/${RUNS}...`);
      const result = await runNodeOnce({ name: 'rebuild-projections', entry: 'apps/read-agent/src/rebuild-projections.js', env, timeoutMs: 300_000 });
      // "generation 3 is live: 100000 events in 3.2 s (31250 events/s)"
      const live = /is live: (\d+) events in ([\d.]+) s \((\d+) events\/s\)/.exec(result.output);
      if (result.code !== 0 || !live) {
        return [{ ...base, failed: `rebuild run ${run} exited with ${result.code}:\n${result.output.slice(-1_500)}` }];
      }
      runs.push({
        events: Number(live[1]),
        seconds: Number(live[2]),
        eventsPerSecond: Number(live[3]),
        wallS: round(result.wallMs / 1000, 2),
        cpuS: result.cpuMs === undefined ? undefined : round(result.cpuMs / 1000, 2),
      });
      context.log(`    ${live[1]} events in ${live[2]} s = ${live[3]} events/s (process: ${(result.wallMs / 1000).toFixed(1)} s wall)`);
    }
    const rates = runs.map((run) => run.eventsPerSecond);
    const measurement: Measurement = {
      ...base,
      rps: throughputOf(rates),
      ok: runs[0].events,
      notes: [
        `${RUNS} runs of ${runs[0].events} events (rate = median of the runs' own events/s, from the rebuild's start to the swap); log from the replica, views into Redis db ${REDIS_DB}`,
      ],
      details: {
        runs,
        logWrittenInS: round(fillS, 2),
        replicaCaughtUpAfterMs: replay.ms,
        eventsPerCpuSecond: runs.map((run) => (run.cpuS ? Math.round(run.events / run.cpuS) : undefined)),
      },
    };
    if (runs.some((run) => run.events !== written)) {
      measurement.failed = `the rebuild applied ${runs.map((run) => run.events).join(' / ')} events, the log has ${written}`;
    }
    const median = measurement.rps!.median;
    measurement.goal = { text: `>= ${TARGET_EVENTS_PER_S.toLocaleString('en-US')} events/s`, value: `${Math.round(median).toLocaleString('en-US')} events/s`, met: median >= TARGET_EVENTS_PER_S };
    return [measurement];
  },
};
