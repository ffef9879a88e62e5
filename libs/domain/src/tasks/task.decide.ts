import type { AgentState } from '../agents/agent-state.js';
import type { DecisionContext } from '../shared/decision-context.js';
import type { TaskCommand } from './task-commands.js';
import type { TaskEvent } from './task-events.js';
import type { TaskState, TaskStatus } from './task-state.js';
import {
  taskAgentNotActive,
  taskAgentNotFound,
  taskAlreadyExists,
  taskNotFound,
  taskTransitionRefused,
} from './task.errors.js';

type Transition = Exclude<TaskCommand['type'], 'SubmitTask'>;

/** The status changes a task allows: command -> statuses it may start from. */
const ALLOWED_FROM: Record<Transition, TaskStatus[]> = {
  StartTask: ['pending'],
  CompleteTask: ['running'],
  FailTask: ['running'],
  CancelTask: ['pending', 'running'],
};

const VERBS: Record<Transition, string> = {
  StartTask: 'start',
  CompleteTask: 'complete',
  FailTask: 'fail',
  CancelTask: 'cancel',
};

/** Whether an agent in this status takes new tasks (pausing stops submissions only). */
export function agentAcceptsTasks(agent: Pick<AgentState, 'status'>): boolean {
  return agent.status === 'active';
}

export interface TaskDecisionContext extends DecisionContext {
  /** The agent a SubmitTask targets, null when it does not exist; the other commands ignore it. */
  readonly agent?: Pick<AgentState, 'id' | 'status'> | null;
}

/**
 * Decides which events follow from a task command, or throws a DomainError.
 * `state` is null when no task with the command's id exists.
 */
export function decideTask(command: TaskCommand, state: TaskState | null, context: TaskDecisionContext): TaskEvent[] {
  const occurredAt = context.now.toISOString();

  if (command.type === 'SubmitTask') {
    if (state) throw taskAlreadyExists(command.id);
    const agent = context.agent;
    if (!agent) throw taskAgentNotFound(command.agentId);
    if (!agentAcceptsTasks(agent)) throw taskAgentNotActive(agent.id, agent.status);
    const { id, agentId, taskType, payload, timeoutSeconds } = command;
    const data = { agentId, type: taskType, payload, ...(timeoutSeconds === null ? {} : { timeoutSeconds }) };
    return [{ type: 'TaskSubmitted', aggregateType: 'task', aggregateId: id, revision: 1, occurredAt, data }];
  }

  if (!state) throw taskNotFound(command.id);
  if (!ALLOWED_FROM[command.type].includes(state.status)) {
    throw taskTransitionRefused(VERBS[command.type], state.status);
  }
  const base = { aggregateType: 'task', aggregateId: state.id, revision: state.revision + 1, occurredAt } as const;
  const agentId = state.agentId;

  switch (command.type) {
    case 'StartTask':
      return [{ ...base, type: 'TaskStarted', data: { agentId } }];
    case 'CompleteTask':
      return [{ ...base, type: 'TaskCompleted', data: { agentId, result: command.result } }];
    case 'FailTask':
      return [{ ...base, type: 'TaskFailed', data: { agentId, error: command.error } }];
    case 'CancelTask':
      return [{ ...base, type: 'TaskCancelled', data: { agentId, reason: command.reason } }];
  }
}
