import { join } from 'node:path';
import type autocannon from 'autocannon';
import { findPgbench, runPgbench } from '../baselines/pgbench.js';
import { pgbenchScript } from '../baselines/submit-task-sql.js';
import { authHeaders, BENCH_AGENT_COUNT } from './fixtures.js';
import { measurementOf, type Measurement, type Scenario } from './scenario.js';

const SCENARIO = 'SubmitTask';

/**
 * SubmitTask: POST /tasks `{ agentId, type: 'bench.task', payload: { n: 1 } }`, each
 * request to the next of the 100 bench agents (a global rotation, so concurrent requests
 * rarely wait on the same agent row). Measured on the write agent and (b) the bare
 * node:http + pg server, interleaved, then (c) pgbench, on the same database.
 */
export const submitTaskScenario: Scenario = {
  name: 'submit-task',
  description: 'SubmitTask on the write agent vs (b) bare node:http + pg and (c) pgbench',
  async run(context) {
    const agent = await context.writeAgent();
    const agentIds = await context.benchAgents();
    const bodies = agentIds.map((agentId) => JSON.stringify({ agentId, type: 'bench.task', payload: { n: 1 } }));
    const requests = (): autocannon.Request[] => {
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
    const headers = authHeaders(context.token);
    const measurements: Measurement[] = [];

    // Agent and baseline (b) interleaved (A B B A), so both see the same machine.
    const bare = await context.startNodeService({
      name: 'baseline (b) bare node:http + pg',
      entry: 'bench/baselines/bare-submit-task-server.js',
      env: { DATABASE_URL: context.stores.primaryUrl },
      readyPath: '/health/ready',
    });
    try {
      const [onAgent, onBare] = await context.compare([
        { title: `${SCENARIO} -> write agent`, url: agent.url, pid: agent.pid, headers, requests },
        { title: `${SCENARIO} -> (b) node:http + pg`, url: bare.url, pid: bare.pid, headers, requests },
      ]);
      measurements.push(
        measurementOf(
          {
            id: 'submit-task/agent',
            scenario: SCENARIO,
            target: 'write agent',
            role: 'agent',
            unit: 'commands/s',
            baselines: ['submit-task/bare-node-pg', 'submit-task/pgbench'],
          },
          onAgent,
          true,
        ),
        measurementOf(
          { id: 'submit-task/bare-node-pg', scenario: SCENARIO, target: '(b) node:http + pg', role: 'baseline', unit: 'req/s' },
          onBare,
          true,
        ),
      );
    } finally {
      await bare.stop();
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
