/**
 * The SQL the write agent sends for one SubmitTask, copied from the PostgreSQL server
 * log of a write agent run with `log_statement = 'all'` (the bench re-captures it on
 * every run and warns when the agent's statements no longer match these: see
 * bench/lib/sql-check.ts). Three round trips, no explicit transaction:
 *
 * 1. StateLoader.agent(): a plain SELECT of the agent row.
 * 2. CommandWriter.write() with taskPersistence.insert(): one statement that holds the
 *    agent's row FOR SHARE (only while it is active), inserts the task and appends
 *    the TaskSubmitted event, returning the event's position and transaction id.
 */
export const LOAD_AGENT_SQL = `SELECT id, name, version, status, config, revision, created_at, updated_at FROM agents WHERE id = $1`;

/**
 * $1 task id, $2 agent id, $3 task type, $4 'pending', $5 payload (JSON text), $6 revision 1,
 * $7 created_at, $8 the events as a JSON array, $9 the event metadata (JSON text).
 */
export const SUBMIT_TASK_SQL = `
      WITH agent AS (
      SELECT id FROM agents WHERE id = $2 AND status = 'active' FOR SHARE),
    state AS (
      INSERT INTO tasks (id, agent_id, type, status, payload, revision, created_at, updated_at)
      SELECT $1, agent.id, $3, $4, $5::jsonb, $6, $7, $7 FROM agent RETURNING id),
      appended AS (
        INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
        SELECT e."aggregateType", e."aggregateId", e.revision, e.type, e.data, $9::jsonb, e."occurredAt"
        FROM jsonb_to_recordset($8::jsonb) AS e(
          "aggregateType" text, "aggregateId" uuid, revision int, type text, data jsonb, "occurredAt" timestamptz)
        WHERE EXISTS (SELECT 1 FROM state)
        RETURNING position, tx_id
      ),
      last AS (SELECT position, tx_id FROM appended ORDER BY position DESC LIMIT 1)
      SELECT position::text AS position, tx_id::text AS "txId" FROM last`;

/** 3. LogHead.after(): the head of the log after the commit, for the position token (docs/adr/0006). */
export const LOG_HEAD_SQL = `SELECT tx_id::text AS "txId", position::text AS position FROM events ORDER BY tx_id DESC, position DESC LIMIT 1`;

/** The statements of one SubmitTask, in order (what the SQL check compares). */
export const SUBMIT_TASK_STATEMENTS = [LOAD_AGENT_SQL, SUBMIT_TASK_SQL, LOG_HEAD_SQL];

/**
 * The same two statements as a pgbench script. pgbench variables are numbers only, so
 * the values the agent computes in JavaScript are computed in SQL here: the agent id
 * from the bench's deterministic agent ids (`:run` prefix + number), the task id and
 * request id with gen_random_uuid(), the time with clock_timestamp(), and the event and
 * metadata JSON with jsonb_build_object(). The agent row read by the first statement is
 * kept with \gset, and its id is the parameter of the second, as in the agent.
 */
export function pgbenchScript(agentCount: number, clients: number): string {
  // Client c uses agents c+1, c+1+clients, ...: concurrent transactions do not queue on one
  // agent row, as with the HTTP runs' global rotation (50 in flight over 100 agents).
  const spread = Math.max(0, Math.floor(agentCount / clients) - 1);
  const agentIdExpr = `(:run::text || '-0000-4000-8000-' || lpad(to_hex(:a::bigint), 12, '0'))::uuid`;
  const loadAgent = LOAD_AGENT_SQL.replace('$1', agentIdExpr);
  return `\\set a 1 + (:client_id + ${clients} * random(0, ${spread})) % ${agentCount}
${loadAgent} \\gset
WITH input AS (SELECT gen_random_uuid() AS id, clock_timestamp() AS at, gen_random_uuid() AS request_id),
  agent AS (
    SELECT id FROM agents WHERE id = :id AND status = 'active' FOR SHARE),
  state AS (
    INSERT INTO tasks (id, agent_id, type, status, payload, revision, created_at, updated_at)
    SELECT input.id, agent.id, 'bench.task', 'pending', '{"n": 1}'::jsonb, 1, input.at, input.at FROM agent, input RETURNING id),
  appended AS (
    INSERT INTO events (aggregate_type, aggregate_id, revision, type, data, metadata, occurred_at)
    SELECT e."aggregateType", e."aggregateId", e.revision, e.type, e.data,
      jsonb_build_object('command', 'SubmitTask', 'subject', 'bench', 'requestId', input.request_id), e."occurredAt"
    FROM input, jsonb_to_recordset(jsonb_build_array(jsonb_build_object(
        'aggregateType', 'task', 'aggregateId', input.id, 'revision', 1, 'type', 'TaskSubmitted', 'occurredAt', input.at,
        'data', jsonb_build_object('type', 'bench.task', 'agentId', :id::text, 'payload', '{"n": 1}'::jsonb)))) AS e(
      "aggregateType" text, "aggregateId" uuid, revision int, type text, data jsonb, "occurredAt" timestamptz)
    WHERE EXISTS (SELECT 1 FROM state)
    RETURNING position, tx_id
  ),
  last AS (SELECT position, tx_id FROM appended ORDER BY position DESC LIMIT 1)
SELECT position::text AS position, tx_id::text AS "txId" FROM last;
${LOG_HEAD_SQL};
`;
}
