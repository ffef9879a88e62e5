import { join } from 'node:path';
import type autocannon from 'autocannon';
import { findPgbench, runPgbench } from '../baselines/pgbench.js';
import { pgbenchScript } from '../baselines/submit-task-sql.js';
import { rateRatio } from '../lib/report.js';
import { round } from '../lib/stats.js';
import type { NodeService } from '../lib/processes.js';
import { authHeaders, BENCH_AGENT_COUNT } from './fixtures.js';
import { measurementOf, type BenchContext, type Measurement, type Scenario } from './scenario.js';

const SCENARIO = 'SubmitTask';
/** Goal: the write agent's SubmitTask rate >= 0.85 of (e)'s (median of the per-round ratios). */
const TARGET_RATIO_VS_E = 0.85;
export const BARE_5RT_TITLE = '(e) node:http + pg, 5 round trips';

/** Baseline (e) on the bench database, with the agents' JWT secret. */
export function startBare5rt(context: BenchContext): Promise<NodeService> {
  return context.startNodeService({
    name: 'baseline (e) node:http + pg, 5 round trips',
    entry: 'bench/baselines/bare-submit-task-5rt-server.js',
    env: { DATABASE_URL: context.stores.primaryUrl, AUTH_JWT_SECRET: context.agentEnv(context.stores).AUTH_JWT_SECRET },
    readyPath: '/health/ready',
  });
}

/** POST /tasks bodies, each request to the next of `agentIds` (a rotation over all connections). */
export function submitRequests(agentIds: string[], type = 'bench.task'): () => autocannon.Request[] {
  const bodies = agentIds.map((agentId) => JSON.stringify({ agentId, type, payload: { n: 1 } }));
  return () => {
    let next = 0;
    return [
      {
        method: 'POST',
        path: '/tasks',
        setupRequest: (request) => {
          request.body = bodies[next++ % bodies.length];
          return request;
        },
      },
    ];
  };
}

/**
 * SubmitTask: POST /tasks `{ agentId, type: 'bench.task', payload: { n: 1 } }`, each
 * request to the next of the 100 bench agents (a global rotation, so concurrent requests
 * rarely wait on the same agent row). Measured on the write agent, (e) the node:http + pg
 * server doing the whole job in 5 round trips and (b) the bare node:http + pg server
 * replaying the agent's SQL, interleaved in rounds, then (c) pgbench, on the same database.
 */
export const submitTaskScenario: Scenario = {
  name: 'submit-task',
  description: 'SubmitTask on the write agent vs (e) node:http + pg in 5 round trips, (b) bare node:http + pg and (c) pgbench',
  async run(context) {
    const agent = await context.writeAgent();
    const agentIds = await context.benchAgents();
    const requests = submitRequests(agentIds);
    const headers = authHeaders(context.token);
    const measurements: Measurement[] = [];

    // The agent and baselines (e) and (b) interleaved in rounds, so all see the same machine.
    const bare = await context.startNodeService({
      name: 'baseline (b) bare node:http + pg',
      entry: 'bench/baselines/bare-submit-task-server.js',
      env: { DATABASE_URL: context.stores.primaryUrl },
      readyPath: '/health/ready',
    });
    const bare5rt = await startBare5rt(context).catch(async (error: unknown) => {
      await bare.stop();
      throw error;
    });
    try {
      const [onAgent, on5rt, onBare] = await context.compare([
        { title: `${SCENARIO} -> write agent`, url: agent.url, pid: agent.pid, headers, requests },
        { title: `${SCENARIO} -> ${BARE_5RT_TITLE}`, url: bare5rt.url, pid: bare5rt.pid, headers, requests },
        { title: `${SCENARIO} -> (b) node:http + pg`, url: bare.url, pid: bare.pid, headers, requests },
      ]);
      const agentMeasurement = measurementOf(
        {
          id: 'submit-task/agent',
          scenario: SCENARIO,
          target: 'write agent',
          role: 'agent',
          unit: 'commands/s',
          baselines: ['submit-task/bare-5rt', 'submit-task/bare-node-pg', 'submit-task/pgbench'],
        },
        onAgent,
        true,
      );
      const e = measurementOf(
        {
          id: 'submit-task/bare-5rt',
          scenario: SCENARIO,
          target: BARE_5RT_TITLE,
          role: 'baseline',
          unit: 'req/s',
          notes: ['jose HS256 check (exp, sub, scope commands:write), body checks, BEGIN; agent FOR SHARE; INSERT tasks; INSERT events RETURNING; COMMIT; pg Pool of 10'],
        },
        on5rt,
        true,
      );
      const { ratio } = rateRatio(agentMeasurement, e);
      agentMeasurement.goal = {
        text: `rate vs (e) >= ${TARGET_RATIO_VS_E} (median of per-round ratios)`,
        value: ratio === undefined ? '-' : round(ratio, 2).toFixed(2),
        met: ratio === undefined ? undefined : ratio >= TARGET_RATIO_VS_E,
      };
      measurements.push(
        agentMeasurement,
        e,
        measurementOf(
          { id: 'submit-task/bare-node-pg', scenario: SCENARIO, target: '(b) node:http + pg', role: 'baseline', unit: 'req/s' },
          onBare,
          true,
        ),
      );
    } finally {
      await Promise.all([bare.stop(), bare5rt.stop()]);
    }

    measurements.push(await pgbenchBaseline(context, context.runTag));
    return measurements;
  },
};

async function pgbenchBaseline(context: Parameters<Scenario['run']>[0], runTag: string): Promise<Measurement> {
  const base = { id: 'submit-task/pgbench', scenario: SCENARIO, target: '(c) pgbench', role: 'baseline', unit: 'tx/s' } as const;
  const binary = findPgbench();
  if (!binary) return { ...base, skipped: 'pgbench not found on PATH nor in /usr/lib/postgresql/*/bin' };
  const result = await runPgbench({
    binary,
    databaseUrl: context.stores.primaryUrl,
    script: pgbenchScript(BENCH_AGENT_COUNT, context.config.connections),
    variables: { run: runTag },
    clients: context.config.connections,
    durationS: context.config.durationS,
    warmupS: context.config.warmupS,
    workDir: join(context.workDir, 'pgbench'),
    log: context.log,
  });
  const measurement: Measurement = {
    ...base,
    rps: result.tps,
    latencyMs: result.latencyMs,
    ok: result.transactions,
    errors: result.failed,
    notes: ['same two statements per transaction, values computed in SQL (see bench/baselines/submit-task-sql.ts)'],
    details: { loadAverage1mAtEnd: result.loadAverage1m, command: result.command, summary: result.summary },
  };
  if (result.failed > 0) measurement.failed = `${result.failed} failed transactions`;
  return measurement;
}
