import type { LoggedEvent } from '@app/event-log';
import type { EventContext } from './relay-message.js';
import type { RelayPrimary } from './relay-primary.js';

/**
 * The agent of each task event and the request id of every event, for one batch in one
 * query (the shared log reader reads what the projections need, no more). A task's agent
 * never changes, so its row answers for all of the task's events.
 */
export async function eventContexts(db: RelayPrimary, events: LoggedEvent[]): Promise<Map<bigint, EventContext>> {
  const rows = await db.rows<{ pos: string; agent_id: string; request_id: string | null }>(
    `SELECT e.position::text AS pos, coalesce(t.agent_id, e.aggregate_id)::text AS agent_id, e.metadata->>'requestId' AS request_id
       FROM events e LEFT JOIN tasks t ON e.aggregate_type = 'task' AND t.id = e.aggregate_id
      WHERE e.position = ANY($1::bigint[])`,
    [events.map((event) => event.position.toString())],
  );
  return new Map(rows.map((row) => [BigInt(row.pos), { agentId: row.agent_id, requestId: row.request_id }]));
}
