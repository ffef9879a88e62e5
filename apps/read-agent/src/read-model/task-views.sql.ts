import type { JsonObject, TaskStatus } from '@app/domain';
import type { SqlStore } from '../stores/sql-store.js';
import type { TaskView } from '../views/views.js';
import { cursorKeySql, keysetClauses, pageOf, type Page, type PageRequest } from './keyset.js';

interface TaskRow {
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

export interface TaskFilter {
  agentId?: string;
  status?: TaskStatus;
  type?: string;
}

const TASK_COLUMNS = 'id, agent_id, type, status, payload, result, error, revision, created_at, started_at, completed_at';

function toTaskView(row: TaskRow): TaskView {
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

/** GetTask computed from a database. */
export async function findTask(db: SqlStore, id: string): Promise<TaskView | null> {
  const rows = await db.query<TaskRow>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1`, [id]);
  return rows[0] ? toTaskView(rows[0]) : null;
}

/**
 * Only the filters given become conditions, so each combination is its own plan on the
 * index that leads with its columns (see test/read-agent/list-plans.int.spec.ts).
 */
export function listTasksSql(filter: TaskFilter, page: PageRequest): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const conditions: string[] = [];
  if (filter.agentId) conditions.push(`agent_id = $${values.push(filter.agentId)}::uuid`);
  if (filter.status) conditions.push(`status = $${values.push(filter.status)}`);
  if (filter.type) conditions.push(`type = $${values.push(filter.type)}`);
  const { where, limit } = keysetClauses(conditions, values, page);
  const text = `SELECT ${TASK_COLUMNS}, ${cursorKeySql()} FROM tasks ${where} ORDER BY created_at DESC, id DESC ${limit}`;
  return { text, values };
}

/** ListTasks: newest first, filtered by any of agent, status and type. */
export async function listTasks(db: SqlStore, filter: TaskFilter, page: PageRequest): Promise<Page<TaskView>> {
  const { text, values } = listTasksSql(filter, page);
  const rows = await db.query<TaskRow & { cursor_at: string }>(text, values);
  return pageOf(rows, page.limit, toTaskView);
}
