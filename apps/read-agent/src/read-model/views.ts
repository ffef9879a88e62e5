import type { AgentStatus, JsonObject, TaskStatus } from '@app/domain';

/** The answers of the queries (docs/api.md section 4), as stored in Redis and as served. */
export interface TaskCounts {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  total: number;
}

export interface AgentView {
  id: string;
  name: string;
  version: string;
  status: AgentStatus;
  config: JsonObject;
  revision: number;
  createdAt: string;
  updatedAt: string;
  tasks: TaskCounts;
}

export interface TaskView {
  id: string;
  agentId: string;
  type: string;
  status: TaskStatus;
  payload: JsonObject;
  result: JsonObject | null;
  error: string | null;
  revision: number;
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
}

export interface StatsView {
  agents: { active: number; paused: number; retired: number; total: number };
  tasks: TaskCounts;
}

export interface HistoryEvent {
  type: string;
  aggregateId: string;
  revision: number;
  data: unknown;
  occurredAt: string;
}

export const emptyTaskCounts = (): TaskCounts => ({ pending: 0, running: 0, completed: 0, failed: 0, cancelled: 0, total: 0 });

export const emptyStats = (): StatsView => ({
  agents: { active: 0, paused: 0, retired: 0, total: 0 },
  tasks: emptyTaskCounts(),
});
