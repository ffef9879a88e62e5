import { mixedCommandsScenario } from './mixed-commands.js';
import type { Scenario } from './scenario.js';
import { submitTaskScenario } from './submit-task.js';

/**
 * Every scenario, in the order they run. A new one (e.g. the read agent's GetAgent,
 * ListTasks, GetStats and the projection lag) is a file next to these exporting a
 * Scenario, added here; it gets the stores, token, fixtures and load runner from its
 * BenchContext, and starts its own agent and baseline processes.
 */
export const SCENARIOS: Scenario[] = [submitTaskScenario, mixedCommandsScenario];
