import type { AgentStatus } from '@app/domain';
import { agentFieldsOf, type AgentColumns } from '@app/platform';
import type { SqlStore } from '../stores/sql-store.js';
import type { AgentView } from './views.js';
import { cursorKeySql, keysetClauses, pageOf, type Page, type PageRequest } from './keyset.js';

interface AgentRow extends AgentColumns {
  pending: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
}

// The agent's task counts, one index-only range scan of tasks_agent_status_created_idx.
const TASK_COUNTS = `
  CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE t.status = 'pending')::int   AS pending,
           count(*) FILTER (WHERE t.status = 'running')::int   AS running,
           count(*) FILTER (WHERE t.status = 'completed')::int AS completed,
           count(*) FILTER (WHERE t.status = 'failed')::int    AS failed,
           count(*) FILTER (WHERE t.status = 'cancelled')::int AS cancelled
    FROM tasks t WHERE t.agent_id = a.id
  ) c`;

const AGENT_COLUMNS = 'a.id, a.name, a.version, a.status, a.config, a.revision, a.created_at, a.updated_at';

function toAgentView(row: AgentRow): AgentView {
  const { pending, running, completed, failed, cancelled } = row;
  return {
    ...agentFieldsOf(row),
    tasks: { pending, running, completed, failed, cancelled, total: pending + running + completed + failed + cancelled },
  };
}

/** GetAgent computed from a database: the agent row and its task counts in one statement. */
export async function findAgent(db: SqlStore, id: string): Promise<AgentView | null> {
  const rows = await db.query<AgentRow>(`SELECT ${AGENT_COLUMNS}, c.* FROM agents a ${TASK_COUNTS} WHERE a.id = $1`, [id]);
  return rows[0] ? toAgentView(rows[0]) : null;
}

export function listAgentsSql(status: AgentStatus | undefined, page: PageRequest): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const conditions = status ? [`status = $${values.push(status)}`] : [];
  const { where, limit } = keysetClauses(conditions, values, page);
  // The page of agents first (an index range scan), then the counts of those agents only.
  const text = `
    SELECT ${AGENT_COLUMNS}, a.cursor_at, c.*
    FROM (SELECT *, ${cursorKeySql()} FROM agents ${where} ORDER BY created_at DESC, id DESC ${limit}) a
    ${TASK_COUNTS}
    ORDER BY a.created_at DESC, a.id DESC`;
  return { text, values };
}

/** ListAgents: newest first, filtered by status. */
export async function listAgents(db: SqlStore, status: AgentStatus | undefined, page: PageRequest): Promise<Page<AgentView>> {
  const { text, values } = listAgentsSql(status, page);
  const rows = await db.query<AgentRow & { cursor_at: string }>(text, values);
  return pageOf(rows, page.limit, toAgentView);
}
