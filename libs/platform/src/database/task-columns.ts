import type { JsonObject, TaskStatus, TaskViewFields } from '@app/domain';

/** The columns of `tasks` that both agents select, as node-postgres returns them. */
export interface TaskColumns {
  id: string;
  agent_id: string;
  type: string;
  status: TaskStatus;
  payload: JsonObject;
  result: JsonObject | null;
  error: string | null;
  revision: number;
  created_at: Date;
  started_at: Date | null;
  completed_at: Date | null;
}

/** Those columns as the API and the domain name them, timestamps in ISO 8601. */
export function taskFieldsOf(row: TaskColumns): TaskViewFields {
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
    startedAt: row.started_at?.toISOString() ?? null,
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}
