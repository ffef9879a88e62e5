import { DomainError } from '../shared/domain-error.js';
import type { AgentStatus } from '../agents/agent-state.js';
import type { TaskStatus } from './task-state.js';

export const taskNotFound = (id: string) =>
  new DomainError('task_not_found', 'not_found', `Task ${id} does not exist.`);

export const taskAlreadyExists = (id: string) =>
  new DomainError('task_already_exists', 'conflict', `A task with id ${id} already exists.`);

export const taskAgentNotFound = (agentId: string) =>
  new DomainError('task_agent_not_found', 'unprocessable', `Agent ${agentId} does not exist.`);

export const taskAgentNotActive = (agentId: string, status: AgentStatus) =>
  new DomainError(
    'task_agent_not_active',
    'conflict',
    `Agent ${agentId} is ${status}; only an active agent accepts new tasks.`,
  );

export const taskTransitionRefused = (command: string, status: TaskStatus) =>
  new DomainError(
    'task_invalid_transition',
    'conflict',
    `Cannot ${command} a task whose status is ${status}.`,
  );
