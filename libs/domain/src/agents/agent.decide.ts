import type { DecisionContext } from '../shared/decision-context.js';
import type { AgentCommand } from './agent-commands.js';
import type { AgentEvent } from './agent-events.js';
import type { AgentState, AgentStatus } from './agent-state.js';
import {
  agentAlreadyExists,
  agentHasOpenTasks,
  agentNotFound,
  agentTransitionRefused,
} from './agent.errors.js';

/** The status changes an agent allows: command -> statuses it may start from. */
const ALLOWED_FROM: Record<'PauseAgent' | 'ResumeAgent' | 'RetireAgent' | 'UpdateAgent', AgentStatus[]> = {
  UpdateAgent: ['active', 'paused'],
  PauseAgent: ['active'],
  ResumeAgent: ['paused'],
  RetireAgent: ['active', 'paused'],
};

const VERBS = { UpdateAgent: 'update', PauseAgent: 'pause', ResumeAgent: 'resume', RetireAgent: 'retire' };

/**
 * Decides which events follow from a command, or throws a DomainError.
 * `state` is null when no agent with the command's id exists.
 */
export function decideAgent(command: AgentCommand, state: AgentState | null, context: DecisionContext): AgentEvent[] {
  const occurredAt = context.now.toISOString();

  if (command.type === 'RegisterAgent') {
    if (state) throw agentAlreadyExists(command.id);
    const { name, version, config } = command;
    return [
      { type: 'AgentRegistered', aggregateType: 'agent', aggregateId: command.id, revision: 1, occurredAt, data: { name, version, config } },
    ];
  }

  if (!state) throw agentNotFound(command.id);
  if (!ALLOWED_FROM[command.type].includes(state.status)) {
    throw agentTransitionRefused(VERBS[command.type], state.status);
  }
  const base = { aggregateType: 'agent', aggregateId: state.id, revision: state.revision + 1, occurredAt } as const;

  switch (command.type) {
    case 'UpdateAgent': {
      const data: { name?: string; version?: string; config?: AgentState['config'] } = {};
      if (command.name !== undefined) data.name = command.name;
      if (command.version !== undefined) data.version = command.version;
      if (command.config !== undefined) data.config = command.config;
      return [{ ...base, type: 'AgentUpdated', data }];
    }
    case 'PauseAgent':
      return [{ ...base, type: 'AgentPaused', data: {} }];
    case 'ResumeAgent':
      return [{ ...base, type: 'AgentResumed', data: {} }];
    case 'RetireAgent':
      if (state.openTasks > 0) throw agentHasOpenTasks(state.openTasks);
      return [{ ...base, type: 'AgentRetired', data: {} }];
  }
}
