import type { AgentEvent, AgentRegistered } from './agent-events.js';
import type { AgentState } from './agent-state.js';

/** An agent as its AgentRegistered event creates it (without `openTasks`, which views count their own way). */
export function registeredAgent(event: AgentRegistered): Omit<AgentState, 'openTasks'> {
  const { name, version, config } = event.data;
  return {
    id: event.aggregateId,
    name,
    version,
    status: 'active',
    config,
    revision: event.revision,
    createdAt: event.occurredAt,
    updatedAt: event.occurredAt,
  };
}

export type AgentChange = Pick<AgentState, 'name' | 'version' | 'config' | 'status'>;

/** What a later event makes of the agent's profile and status: an update replaces only the fields it names. */
export function agentChangeOf(agent: AgentChange, event: Exclude<AgentEvent, AgentRegistered>): AgentChange {
  const { name, version, config, status } = agent;
  switch (event.type) {
    case 'AgentUpdated': {
      const { name: newName = name, version: newVersion = version, config: newConfig = config } = event.data;
      return { name: newName, version: newVersion, config: newConfig, status };
    }
    case 'AgentPaused':
      return { name, version, config, status: 'paused' };
    case 'AgentResumed':
      return { name, version, config, status: 'active' };
    case 'AgentRetired':
      return { name, version, config, status: 'retired' };
  }
}

/** Folds one event into the agent's state. Pure: the same inputs give the same state. */
export function evolveAgent(state: AgentState | null, event: AgentEvent): AgentState {
  if (event.type === 'AgentRegistered') return { ...registeredAgent(event), openTasks: 0 };
  if (!state) throw new Error(`${event.type} cannot apply to an agent that was never registered`);
  return { ...state, ...agentChangeOf(state, event), revision: event.revision, updatedAt: event.occurredAt };
}
