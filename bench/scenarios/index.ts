import { curvesScenario } from './curves.js';
import { getAgentScenario } from './get-agent.js';
import { hotAgentScenario } from './hot-agent.js';
import { listTasksScenario } from './list-tasks.js';
import { mixedCommandsScenario } from './mixed-commands.js';
import { projectionLagScenario } from './projection-lag.js';
import { projectionRebuildScenario } from './projection-rebuild.js';
import { relayScenario } from './relay.js';
import type { Scenario } from './scenario.js';
import { submitTaskScenario } from './submit-task.js';

/**
 * Every scenario, in the order they run (BENCH_SCENARIOS picks some, by name). A new one
 * is a file next to these exporting a Scenario, added here; it gets the stores, tokens,
 * fixtures, the shared agents and the load runner from its BenchContext, and starts its
 * own baseline processes (and agents on databases of its own).
 */
export const SCENARIOS: Scenario[] = [
  submitTaskScenario,
  hotAgentScenario,
  mixedCommandsScenario,
  getAgentScenario,
  projectionLagScenario,
  projectionRebuildScenario,
  listTasksScenario,
  relayScenario,
];

/** The curves (docs/benchmarks/*.svg): run last, with BENCH_CURVES=1 or by name. */
export const CURVES_SCENARIO: Scenario = curvesScenario;
