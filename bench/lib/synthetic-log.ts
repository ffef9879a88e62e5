import { withClient } from '@app/local-stack';

/** Agents registered at the start of a synthetic log (by default). */
export const SYNTHETIC_AGENTS = 1_000;
const PER_STATEMENT = 1_000;

/**
 * Appends a synthetic event log to an empty migrated database with plain SQL: 1,000
 * AgentRegistered, then for (events - 1,000) / 3 tasks a TaskSubmitted, a TaskStarted and
 * a TaskCompleted, 1,000 rows per statement (so the log spans many transactions, as a real
 * one does). Returns the number of events written. `agents` replaces the 1,000 (the relay
 * declares a quorum work queue per AgentRegistered).
 */
export async function writeSyntheticLog(primaryUrl: string, events: number, agents = SYNTHETIC_AGENTS): Promise<number> {
  const tasks = Math.floor((events - agents) / 3);
  if (tasks < 1) throw new Error(`a synthetic log needs more than ${agents} events`);
  const append = (type: string, revision: number, data: string) => `
    INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
    SELECT 'task', md5('task' || t)::uuid, ${revision}, '${type}', ${data}, '{"command":"bench"}', now()
    FROM generate_series($1::int, $2::int) AS t`;
  const agentOf = `md5('agent' || (t % ${agents} + 1))::text`;
  await withClient(primaryUrl, async (sql) => {
    await sql.query(`
      INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
      SELECT 'agent', md5('agent' || i)::uuid, 1, 'AgentRegistered',
             jsonb_build_object('name', 'agent-' || i, 'version', '1.0', 'config', jsonb_build_object('depth', i % 5)),
             '{"command":"bench"}', now()
      FROM generate_series(1, ${agents}) AS i`);
    const phases = [
      append('TaskSubmitted', 1, `jsonb_build_object('agentId', ${agentOf}::uuid, 'type', 'crawl.page', 'payload', jsonb_build_object('url', 'https://example.test/' || t))`),
      append('TaskStarted', 2, `jsonb_build_object('agentId', ${agentOf}::uuid)`),
      append('TaskCompleted', 3, `jsonb_build_object('agentId', ${agentOf}::uuid, 'result', jsonb_build_object('pages', 3))`),
    ];
    for (const statement of phases) {
      for (let first = 1; first <= tasks; first += PER_STATEMENT) {
        await sql.query(statement, [first, Math.min(first + PER_STATEMENT - 1, tasks)]);
      }
    }
    await sql.query('ANALYZE events');
  });
  return agents + 3 * tasks;
}
