import type { SqlStore } from '../stores/sql-store.js';
import { emptyStats, type StatsView } from './views.js';

/** GetStats computed from a database: agents and tasks counted by status. */
export async function computeStats(db: SqlStore): Promise<StatsView> {
  const rows = await db.query<{ kind: 'agents' | 'tasks'; status: string; n: number }>(`
    SELECT 'agents' AS kind, status, count(*)::int AS n FROM agents GROUP BY status
    UNION ALL
    SELECT 'tasks' AS kind, status, count(*)::int AS n FROM tasks GROUP BY status`);
  const stats = emptyStats();
  for (const { kind, status, n } of rows) {
    const counts = stats[kind] as unknown as Record<string, number>;
    counts[status] = n;
    counts.total += n;
  }
  return stats;
}
