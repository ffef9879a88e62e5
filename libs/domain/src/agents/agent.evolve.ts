import type { AgentEvent } from './agent-events.js';
import type { AgentState } from './agent-state.js';

/** Folds one event into the agent's state. Pure: the same inputs give the same state. */
export function evolveAgent(state: AgentState | null, event: AgentEvent): AgentState {
  if (event.type === 'AgentRegistered') {
    return {
      id: event.aggregateId,
      ...event.data,
      status: 'active',
      revision: event.revision,
      openTasks: 0,
      createdAt: event.occurredAt,
      updatedAt: event.occurredAt,
    };
  }
  if (!state) throw new Error(`${event.type} cannot apply to an agent that was never registered`);
  const next = { ...state, revision: event.revision, updatedAt: event.occurredAt };
  switch (event.type) {
    case 'AgentUpdated':
      return { ...next, ...event.data };
    case 'AgentPaused':
      return { ...next, status: 'paused' };
    case 'AgentResumed':
      return { ...next, status: 'active' };
    case 'AgentRetired':
      return { ...next, status: 'retired' };
  }
}
