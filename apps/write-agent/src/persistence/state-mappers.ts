import type { AgentState, TaskState } from '@app/domain';
import type { AgentEntity } from './agent.entity.js';
import type { TaskEntity } from './task.entity.js';

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function agentStateOf(row: AgentEntity): AgentState {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    config: row.config,
    status: row.status,
    revision: row.revision,
    openTasks: row.openTasks,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function taskStateOf(row: TaskEntity): TaskState {
  return {
    id: row.id,
    agentId: row.agentId,
    type: row.type,
    status: row.status,
    payload: row.payload,
    result: row.result,
    error: row.error,
    revision: row.revision,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    startedAt: iso(row.startedAt),
    completedAt: iso(row.completedAt),
  };
}
