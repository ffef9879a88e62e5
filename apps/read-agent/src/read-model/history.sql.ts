import type { SqlStore } from '../stores/sql-store.js';
import type { HistoryEvent } from './views.js';

export type AggregateType = 'agent' | 'task';

/** An aggregate's own events in revision order, from the event log; null when it has none. */
export async function historyOf(db: SqlStore, aggregateType: AggregateType, id: string): Promise<HistoryEvent[] | null> {
  const rows = await db.query<{ type: string; aggregate_id: string; revision: number; data: unknown; occurred_at: Date }>(
    `SELECT type, aggregate_id, revision, data, occurred_at FROM events
     WHERE aggregate_id = $1 AND aggregate_type = $2 ORDER BY revision`,
    [id, aggregateType],
  );
  if (rows.length === 0) return null;
  return rows.map((row) => ({
    type: row.type,
    aggregateId: row.aggregate_id,
    revision: row.revision,
    data: row.data,
    occurredAt: row.occurred_at.toISOString(),
  }));
}
