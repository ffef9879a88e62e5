/**
 * The SQL the write agent sends for one SubmitTask, copied from the PostgreSQL server
 * log of a write agent run with `log_statement = 'all'` (the bench re-captures it on
 * every run and warns when the agent's statements no longer match these: see
 * bench/lib/sql-check.ts). Two round trips, no explicit transaction, both as named
 * (prepared) statements:
 *
 * 1. CommandWriter.write() with taskPersistence.insert(): one statement that holds the
 *    agent's row FOR SHARE (only while it is active), inserts the task and appends
 *    the TaskSubmitted event, returning the event's position and transaction id. The
 *    agent is not read before: the statement's guard is the check
 *    (docs/adr/0010-submit-task-in-one-statement.md).
 * 2. LogHead.after(): the head of the log after the commit, for the position token
 *    (docs/adr/0006), shared by the commands that wait for it at the same time.
 */

/**
 * $1 task id, $2 agent id, $3 task type, $4 'pending', $5 payload (JSON text), $6 revision 1,
 * $7 created_at, $8 timeout_seconds (null), $9 the events as a JSON array, $10 the event
 * metadata (JSON text).
 */
export const SUBMIT_TASK_SQL = `
      WITH agent AS (
      SELECT id FROM agents WHERE id = $2 AND status = 'active' FOR SHARE),
    state AS (
      INSERT INTO tasks (id, agent_id, type, status, payload, revision, created_at, updated_at, timeout_seconds)
      SELECT $1, agent.id, $3, $4, $5::jsonb, $6, $7, $7, $8::int FROM agent RETURNING id),
      appended AS (
        INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
        SELECT e."aggregateType", e."aggregateId", e.revision, e.type, e.data, $10::jsonb, e."occurredAt"
        FROM jsonb_to_recordset($9::jsonb) AS e(
          "aggregateType" text, "aggregateId" uuid, revision int, type text, data jsonb, "occurredAt" timestamptz)
        WHERE EXISTS (SELECT 1 FROM state)
        RETURNING position, tx_id
      ),
      last AS (SELECT position, tx_id FROM appended ORDER BY position DESC LIMIT 1)
      SELECT position::text AS position, tx_id::text AS "txId" FROM last`;

/** The head of the log in its read order, with the database history's tag (apps/write-agent/src/persistence/log-head.ts). */
export const LOG_HEAD_SQL = `SELECT tx_id::text AS "txId", position::text AS position, substr(md5(((SELECT system_identifier FROM pg_control_system())::text || ':' ||
  ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int)), 1, 8) AS history
  FROM events ORDER BY tx_id DESC, position DESC LIMIT 1`;

/** The statements of one SubmitTask, in order (what the SQL check compares). */
export const SUBMIT_TASK_STATEMENTS = [SUBMIT_TASK_SQL, LOG_HEAD_SQL];

/**
 * The same two statements as a pgbench script (prepared, `-M prepared`, as the agent's).
 * pgbench variables are numbers only, so the values the agent computes in JavaScript are
 * computed in SQL here: the agent id from the bench's deterministic agent ids (`:run`
 * prefix + number), the task id and request id with gen_random_uuid(), the time with
 * clock_timestamp(), and the event and metadata JSON with jsonb_build_object().
 */
export function pgbenchScript(agentCount: number, clients: number): string {
  // Client c uses agents c+1, c+1+clients, ...: concurrent transactions do not queue on one
  // agent row, as with the HTTP runs' global rotation (50 in flight over 100 agents).
  const spread = Math.max(0, Math.floor(agentCount / clients) - 1);
  const agentIdExpr = `(:run::text || '-0000-4000-8000-' || lpad(to_hex(:a::bigint), 12, '0'))::uuid`;
  return `\\set a 1 + (:client_id + ${clients} * random(0, ${spread})) % ${agentCount}
WITH input AS (SELECT gen_random_uuid() AS id, clock_timestamp() AS at, gen_random_uuid() AS request_id),
  agent AS (
    SELECT id FROM agents WHERE id = ${agentIdExpr} AND status = 'active' FOR SHARE),
  state AS (
    INSERT INTO tasks (id, agent_id, type, status, payload, revision, created_at, updated_at)
    SELECT input.id, agent.id, 'bench.task', 'pending', '{"n": 1}'::jsonb, 1, input.at, input.at FROM agent, input RETURNING id),
  appended AS (
    INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
    SELECT e."aggregateType", e."aggregateId", e.revision, e.type, e.data,
      jsonb_build_object('command', 'SubmitTask', 'subject', 'bench', 'requestId', input.request_id), e."occurredAt"
    FROM input, agent, jsonb_to_recordset(jsonb_build_array(jsonb_build_object(
        'aggregateType', 'task', 'aggregateId', input.id, 'revision', 1, 'type', 'TaskSubmitted', 'occurredAt', input.at,
        'data', jsonb_build_object('type', 'bench.task', 'agentId', agent.id::text, 'payload', '{"n": 1}'::jsonb)))) AS e(
      "aggregateType" text, "aggregateId" uuid, revision int, type text, data jsonb, "occurredAt" timestamptz)
    WHERE EXISTS (SELECT 1 FROM state)
    RETURNING position, tx_id
  ),
  last AS (SELECT position, tx_id FROM appended ORDER BY position DESC LIMIT 1)
SELECT position::text AS position, tx_id::text AS "txId" FROM last;
${LOG_HEAD_SQL};
`;
}
