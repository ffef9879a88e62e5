import { DomainError } from '../shared/domain-error.js';
import type { AgentStatus } from './agent-state.js';

export const agentNotFound = (id: string) =>
  new DomainError('agent_not_found', 'not_found', `Agent ${id} does not exist.`);

export const agentAlreadyExists = (id: string) =>
  new DomainError('agent_already_exists', 'conflict', `An agent with id ${id} already exists.`);

export const agentNameTaken = (name: string) =>
  new DomainError(
    'agent_name_taken',
    'conflict',
    `An agent that is not retired is already named "${name}" (names ignore letter case).`,
  );

export const agentTransitionRefused = (command: string, status: AgentStatus) =>
  new DomainError(
    'agent_invalid_transition',
    'conflict',
    `Cannot ${command} an agent whose status is ${status}.`,
  );

export const agentHasOpenTasks = (openTasks: number) =>
  new DomainError(
    'agent_has_open_tasks',
    'conflict',
    `Cannot retire an agent with ${openTasks} pending or running task(s).`,
  );
