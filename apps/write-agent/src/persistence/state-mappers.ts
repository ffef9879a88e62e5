import type { AgentState, AgentStatus, JsonObject, TaskState, TaskStatus } from '@app/domain';

/** A row of `agents` as node-postgres returns it. */
export interface AgentRow {
  id: string;
  name: string;
  version: string;
  status: AgentStatus;
  config: JsonObject;
  revision: number;
  open_tasks: number;
  created_at: Date;
  updated_at: Date;
}

/** A row of `tasks` as node-postgres returns it. */
export interface TaskRow {
  id: string;
  agent_id: string;
  type: string;
  status: TaskStatus;
  payload: JsonObject;
  result: JsonObject | null;
  error: string | null;
  revision: number;
  created_at: Date;
  updated_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function agentStateOf(row: AgentRow): AgentState {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    config: row.config,
    status: row.status,
    revision: row.revision,
    openTasks: row.open_tasks,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

export function taskStateOf(row: TaskRow): TaskState {
  return {
    id: row.id,
    agentId: row.agent_id,
    type: row.type,
    status: row.status,
    payload: row.payload,
    result: row.result,
    error: row.error,
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    startedAt: iso(row.started_at),
    completedAt: iso(row.completed_at),
  };
}
