import type { AgentStatus, TaskStatus } from '@app/domain';
import type { StatsView } from '../read-model/views.js';
import { shiftCounts, type StatusChange } from './status-change.js';

export type CountedChange =
  | ({ aggregate: 'agent' } & StatusChange<AgentStatus>)
  | ({ aggregate: 'task' } & StatusChange<TaskStatus>);

/** Folds one agent's or task's status change into the fleet-wide counts. */
export function evolveStats(stats: StatsView, change: CountedChange): StatsView {
  return change.aggregate === 'agent'
    ? { ...stats, agents: shiftCounts(stats.agents, change) }
    : { ...stats, tasks: shiftCounts(stats.tasks, change) };
}
