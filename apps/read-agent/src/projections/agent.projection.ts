import { agentChangeOf, registeredAgent, type AgentEvent, type TaskStatus } from '@app/domain';
import { emptyTaskCounts, type AgentView } from '../read-model/views.js';
import { shiftCounts, type StatusChange } from './status-change.js';

/**
 * Folds an agent event into its view, with the domain's own fold of each event; an event
 * not newer than the view changes nothing.
 */
export function evolveAgentView(view: AgentView | null, event: AgentEvent): AgentView {
  if (view && event.revision <= view.revision) return view;
  if (event.type === 'AgentRegistered') return { ...registeredAgent(event), tasks: emptyTaskCounts() };
  if (!view) throw new Error(`${event.type} for agent ${event.aggregateId}, which was never registered`);
  return { ...view, ...agentChangeOf(view, event), revision: event.revision, updatedAt: event.occurredAt };
}

/** Counts one of the agent's tasks moving between statuses; revision and updatedAt stay. */
export function countAgentTask(view: AgentView, change: StatusChange<TaskStatus>): AgentView {
  return { ...view, tasks: shiftCounts(view.tasks, change) };
}
