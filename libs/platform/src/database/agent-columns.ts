import type { AgentState, AgentStatus, JsonObject } from '@app/domain';

/** The columns of `agents` that both agents select, as node-postgres returns them. */
export interface AgentColumns {
  id: string;
  name: string;
  version: string;
  status: AgentStatus;
  config: JsonObject;
  revision: number;
  created_at: Date;
  updated_at: Date;
}

/** Those columns as the API and the domain name them, timestamps in ISO 8601. */
export function agentFieldsOf(row: AgentColumns): Omit<AgentState, 'openTasks'> {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    status: row.status,
    config: row.config,
    revision: row.revision,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}
