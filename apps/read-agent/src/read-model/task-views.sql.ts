import type { TaskStatus } from '@app/domain';
import { taskFieldsOf, type TaskColumns } from '@app/platform';
import type { SqlStore } from '../stores/sql-store.js';
import type { TaskView } from './views.js';
import { cursorKeySql, keysetClauses, pageOf, type Page, type PageRequest } from './keyset.js';

export interface TaskFilter {
  agentId?: string;
  status?: TaskStatus;
  type?: string;
}

const TASK_COLUMNS = 'id, agent_id, type, status, payload, result, error, revision, created_at, started_at, completed_at';

/** GetTask computed from a database. */
export async function findTask(db: SqlStore, id: string): Promise<TaskView | null> {
  const rows = await db.query<TaskColumns>(`SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1`, [id]);
  return rows[0] ? taskFieldsOf(rows[0]) : null;
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
  const rows = await db.query<TaskColumns & { cursor_at: string }>(text, values);
  return pageOf(rows, page.limit, taskFieldsOf);
}
