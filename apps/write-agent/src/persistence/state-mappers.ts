import type { AgentState, TaskState } from '@app/domain';
import { agentFieldsOf, taskFieldsOf, type AgentColumns, type TaskColumns } from '@app/platform';

/** A row of `agents` as the state loader selects it, with the agent's open tasks counted. */
export interface AgentRow extends AgentColumns {
  open_tasks: number;
}

/** A row of `tasks` as the state loader selects it. */
export interface TaskRow extends TaskColumns {
  updated_at: Date;
  timeout_seconds: number | null;
  deadline_at: Date | null;
}

export function agentStateOf(row: AgentRow): AgentState {
  return { ...agentFieldsOf(row), openTasks: row.open_tasks };
}

export function taskStateOf(row: TaskRow): TaskState {
  return {
    ...taskFieldsOf(row),
    updatedAt: row.updated_at.toISOString(),
    timeoutSeconds: row.timeout_seconds,
    deadlineAt: row.deadline_at?.toISOString() ?? null,
  };
}
