import type { AgentEvent, TaskStatus } from '@app/domain';
import { emptyTaskCounts, type AgentView } from '../read-model/views.js';
import { shiftCounts, type StatusChange } from './status-change.js';

/** Folds an agent event into its view; an event not newer than the view changes nothing. */
export function evolveAgentView(view: AgentView | null, event: AgentEvent): AgentView {
  if (view && event.revision <= view.revision) return view;
  if (event.type === 'AgentRegistered') {
    return {
      id: event.aggregateId,
      name: event.data.name,
      version: event.data.version,
      status: 'active',
      config: event.data.config,
      revision: event.revision,
      createdAt: event.occurredAt,
      updatedAt: event.occurredAt,
      tasks: emptyTaskCounts(),
    };
  }
  if (!view) throw new Error(`${event.type} for agent ${event.aggregateId}, which was never registered`);
  const next: AgentView = { ...view, revision: event.revision, updatedAt: event.occurredAt };
  switch (event.type) {
    case 'AgentUpdated': {
      const { name = view.name, version = view.version, config = view.config } = event.data;
      return { ...next, name, version, config };
    }
    case 'AgentPaused':
      return { ...next, status: 'paused' };
    case 'AgentResumed':
      return { ...next, status: 'active' };
    case 'AgentRetired':
      return { ...next, status: 'retired' };
  }
}

/** Counts one of the agent's tasks moving between statuses; revision and updatedAt stay. */
export function countAgentTask(view: AgentView, change: StatusChange<TaskStatus>): AgentView {
  return { ...view, tasks: shiftCounts(view.tasks, change) };
}
