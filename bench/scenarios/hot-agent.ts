import { withFsyncOn } from '../lib/fsync.js';
import { rateRatio } from '../lib/report.js';
import { round } from '../lib/stats.js';
import { authHeaders } from './fixtures.js';
import { measurementOf, type Measurement, type Scenario } from './scenario.js';
import { BARE_5RT_TITLE, startBare5rt, submitRequests } from './submit-task.js';

const SCENARIO = 'SubmitTask, fsync on';
/** Goal: every command to one agent keeps >= 0.9 of the rate spread over 100 agents. */
const TARGET_RATIO = 0.9;

/**
 * The hot agent: SubmitTask with every request to one agent vs spread over the 100 bench
 * agents, on the write agent, with fsync on (commits wait for the WAL flush, as in
 * production), and (e) with one agent as a second baseline; interleaved in rounds.
 * Skipped with an external DATABASE_URL (fsync is switched with ALTER SYSTEM).
 */
export const hotAgentScenario: Scenario = {
  name: 'hot-agent',
  description: 'SubmitTask to 1 agent vs to 100 agents on the write agent, fsync on, and (e) with 1 agent',
  async run(context) {
    const base = { scenario: SCENARIO, unit: 'commands/s' } as const;
    const rows = {
      one: { ...base, id: 'hot-agent/agent-1', target: 'write agent, 1 agent', role: 'agent' as const, baselines: ['hot-agent/agent-100', 'hot-agent/bare-5rt-1'] },
      hundred: { ...base, id: 'hot-agent/agent-100', target: 'write agent, 100 agents', role: 'baseline' as const },
      bare: { ...base, id: 'hot-agent/bare-5rt-1', target: `${BARE_5RT_TITLE}, 1 agent`, role: 'baseline' as const, unit: 'req/s' },
    };
    if (!context.stores.cluster) {
      const skipped = 'external DATABASE_URL: fsync is not switched on a server the bench did not start';
      return [rows.one, rows.hundred, rows.bare].map((row) => ({ ...row, skipped }));
    }
    const agent = await context.writeAgent();
    const agentIds = await context.benchAgents();
    const headers = authHeaders(context.token);
    const bare = await startBare5rt(context);
    try {
      const measured = await withFsyncOn(context.stores, () =>
        context.compare([
          { title: `${SCENARIO} -> write agent, 1 agent`, url: agent.url, pid: agent.pid, headers, requests: submitRequests(agentIds.slice(0, 1), 'bench.hot') },
          { title: `${SCENARIO} -> write agent, 100 agents`, url: agent.url, pid: agent.pid, headers, requests: submitRequests(agentIds, 'bench.hot') },
          { title: `${SCENARIO} -> ${BARE_5RT_TITLE}, 1 agent`, url: bare.url, pid: bare.pid, headers, requests: submitRequests(agentIds.slice(0, 1), 'bench.hot') },
        ]),
        context.log,
      );
      const [onOne, onHundred, onBare] = measured!;
      const note = 'fsync = on on the primary (ALTER SYSTEM + pg_reload_conf(), SHOW fsync checked; set back off afterwards)';
      const one = measurementOf({ ...rows.one, notes: [note] }, onOne, true);
      const hundred = measurementOf(rows.hundred, onHundred, true);
      const bare1 = measurementOf(rows.bare, onBare, true);
      const { ratio } = rateRatio(one, hundred);
      one.goal = {
        text: `1 agent / 100 agents >= ${TARGET_RATIO} (median of per-round ratios)`,
        value: ratio === undefined ? '-' : `${round(ratio, 2).toFixed(2)} (p99 ${one.latencyMs?.p99} ms vs ${hundred.latencyMs?.p99} ms)`,
        met: ratio === undefined ? undefined : ratio >= TARGET_RATIO,
      };
      const measurements: Measurement[] = [one, hundred, bare1];
      return measurements;
    } finally {
      await bare.stop();
    }
  },
};
