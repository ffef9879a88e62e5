import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listAgentsSql } from '../../apps/read-agent/src/read-model/agent-views.sql.js';
import { encodeCursor, type PageRequest } from '../../apps/read-agent/src/read-model/keyset.js';
import { listTasksSql, type TaskFilter } from '../../apps/read-agent/src/read-model/task-views.sql.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

// The plans of the list queries exactly as the read agent sends them, on the replica (where
// lists are read), over a realistic table: 2,000 agents and 100,000 tasks, skewed towards a
// few busy agents, mostly completed, 20 task types, created over 30 days.

const AGENTS = 2_000;
const TASKS = 100_000;

let db: TestDatabase;
let replica: pg.Pool;
let busyAgent: string;
let typicalAgent: string;
let middle: PageRequest['after'];

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

function nodesOf(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodesOf)];
}

async function planOf({ text, values }: { text: string; values: unknown[] }) {
  const { rows } = await replica.query(`EXPLAIN (FORMAT JSON) ${text}`, values);
  const nodes = nodesOf(rows[0]['QUERY PLAN'][0].Plan as PlanNode);
  const onTasks = nodes.filter((node) => node['Relation Name'] === 'tasks' || node['Index Name']?.startsWith('tasks_'));
  return {
    nodes,
    seqScanOnTasks: onTasks.some((node) => node['Node Type'] === 'Seq Scan'),
    sorts: nodes.some((node) => node['Node Type'] === 'Sort' || node['Node Type'] === 'Incremental Sort'),
    summary: nodes
      .filter((node) => node['Index Name'] || node['Node Type'].includes('Scan'))
      .map((node) => `${node['Node Type']}${node['Index Name'] ? ` using ${node['Index Name']}` : ` on ${node['Relation Name']}`}`)
      .join(' > '),
  };
}

const findings: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase('read_list_plans');
  await db.sql.query(`
    INSERT INTO agents (id, name, version, status, config, revision, created_at, updated_at)
    SELECT gen_random_uuid(), 'agent-' || i, '1.0.0', (ARRAY['active', 'active', 'active', 'paused', 'retired'])[1 + i % 5],
           '{}', 1, now() - interval '60 days' + i * interval '1 minute', now()
    FROM generate_series(1, ${AGENTS}) AS i`);
  // Agent k (in creation order) gets a share of tasks falling with k: a few busy agents, a long tail.
  await db.sql.query(`
    WITH fleet AS (SELECT array_agg(id ORDER BY created_at) AS ids FROM agents),
    draws AS (SELECT i, random() AS pick, random() AS kind, now() - random() * interval '30 days' AS at
              FROM generate_series(1, ${TASKS}) AS i)
    INSERT INTO tasks (id, agent_id, type, status, payload, revision, created_at, updated_at)
    SELECT gen_random_uuid(), fleet.ids[1 + floor(power(pick, 3) * ${AGENTS})::int], 'type-' || (i % 20),
           CASE WHEN kind < 0.70 THEN 'completed' WHEN kind < 0.80 THEN 'failed' WHEN kind < 0.85 THEN 'cancelled'
                WHEN kind < 0.95 THEN 'pending' ELSE 'running' END,
           jsonb_build_object('n', i), 1, at, at
    FROM draws, fleet`);
  await db.sql.query('VACUUM ANALYZE agents');
  await db.sql.query('VACUUM ANALYZE tasks');

  const { rows } = await db.sql.query(`
    SELECT agent_id, count(*)::int AS n FROM tasks GROUP BY agent_id ORDER BY n DESC`);
  busyAgent = rows[0].agent_id;
  typicalAgent = rows[Math.floor(rows.length / 2)].agent_id;
  const { rows: mid } = await db.sql.query(
    `SELECT id, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS at
     FROM tasks ORDER BY created_at DESC, id DESC OFFSET ${TASKS / 2} LIMIT 1`,
  );
  middle = { createdAt: mid[0].at, id: mid[0].id };

  // The replica gets the rows and the statistics by streaming replication.
  const { rows: lsn } = await db.sql.query('SELECT pg_current_wal_lsn()::text AS lsn');
  replica = new pg.Pool({ connectionString: db.replicaUrls[0], max: 2 });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const { rows: replayed } = await replica.query('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS done', [lsn[0].lsn]);
    if (replayed[0].done) break;
    if (Date.now() > deadline) throw new Error('the replica did not catch up in 30 s');
    await new Promise((done) => setTimeout(done, 50));
  }
}, 120_000);

afterAll(async () => {
  if (findings.length > 0) console.log(`List plans on the replica (${TASKS} tasks, ${AGENTS} agents):\n${findings.join('\n')}`);
  await replica?.end();
  await db?.close();
});

describe('ListTasks plans', () => {
  // [name, filter, the index the plan must use ('' when the planner may pick either of
  // two), whether the index must also give the order (no sort)].
  const combinations: Array<[string, () => TaskFilter, string, boolean]> = [
    ['no filter', () => ({}), 'tasks_created_idx', true],
    ['agentId (busy agent)', () => ({ agentId: busyAgent }), 'tasks_agent_created_idx', true],
    // A few dozen tasks: the planner may fetch them by a bitmap scan and sort them.
    ['agentId (typical agent)', () => ({ agentId: typicalAgent }), 'tasks_agent_created_idx', false],
    ['status', () => ({ status: 'running' }), 'tasks_status_created_idx', true],
    ['type', () => ({ type: 'type-7' }), 'tasks_type_created_idx', true],
    ['agentId + status', () => ({ agentId: busyAgent, status: 'pending' }), 'tasks_agent_status_created_idx', true],
    ['agentId + type', () => ({ agentId: busyAgent, type: 'type-3' }), '', false],
    ['status + type', () => ({ status: 'failed', type: 'type-11' }), '', false],
    ['agentId + status + type', () => ({ agentId: busyAgent, status: 'completed', type: 'type-5' }), '', false],
  ];

  it.each(combinations)('%s: an index scan on tasks, never a Seq Scan', async (name, filter, expectedIndex, ordered) => {
    for (const [page, after] of [['first page', undefined], ['cursor page', middle]] as const) {
      const plan = await planOf(listTasksSql(filter(), { limit: 21, after }));
      findings.push(`  ListTasks ${name}, ${page}: ${plan.summary}${plan.sorts ? ' (with a sort)' : ''}`);
      expect(plan.seqScanOnTasks, plan.summary).toBe(false);
      expect(plan.summary, plan.summary).toMatch(/Index Scan using tasks_/);
      if (expectedIndex) expect(plan.summary).toContain(expectedIndex);
      if (ordered) expect(plan.sorts, plan.summary).toBe(false);
    }
  });

  it('reads only the rows of one page: the keyset condition is an index condition', async () => {
    const { rows } = await replica.query(
      `EXPLAIN (ANALYZE, FORMAT JSON) ${listTasksSql({ status: 'completed' }, { limit: 20, after: middle }).text}`,
      listTasksSql({ status: 'completed' }, { limit: 20, after: middle }).values,
    );
    const scan = nodesOf(rows[0]['QUERY PLAN'][0].Plan).find((node) => node['Index Name'] === 'tasks_status_created_idx') as
      | (PlanNode & { 'Actual Rows': number; 'Index Cond': string })
      | undefined;
    expect(scan?.['Index Cond']).toMatch(/created_at.*id/);
    expect(scan?.['Actual Rows']).toBeLessThanOrEqual(21);
  });
});

describe('ListAgents plans', () => {
  it.each([
    ['no filter', undefined, 'agents_created_idx'],
    ['status', 'paused' as const, 'agents_status_created_idx'],
  ])('%s: an index scan on agents, and task counts by index for that page only', async (name, status, expectedIndex) => {
    const after = { createdAt: '2999-01-01T00:00:00.000000Z', id: 'ffffffff-ffff-4fff-bfff-ffffffffffff' };
    for (const [page, cursor] of [['first page', undefined], ['cursor page', after]] as const) {
      const plan = await planOf(listAgentsSql(status, { limit: 21, after: cursor }));
      findings.push(`  ListAgents ${name}, ${page}: ${plan.summary}`);
      expect(plan.summary).toContain(expectedIndex);
      expect(plan.seqScanOnTasks, plan.summary).toBe(false);
    }
  });
});

describe('lookups', () => {
  it('finds an agent with its counts, a task, and a history by index', async () => {
    const lookups: Array<[string, string, unknown[]]> = [
      [
        'GetAgent (computed)',
        `SELECT a.*, c.* FROM agents a CROSS JOIN LATERAL (
           SELECT count(*) FILTER (WHERE t.status = 'pending')::int AS pending FROM tasks t WHERE t.agent_id = a.id) c
         WHERE a.id = $1`,
        [busyAgent],
      ],
      ['GetTask (computed)', 'SELECT * FROM tasks WHERE id = $1', [middle!.id]],
      [
        'GetHistory',
        'SELECT type FROM events WHERE aggregate_id = $1 AND aggregate_type = $2 ORDER BY revision',
        [busyAgent, 'agent'],
      ],
    ];
    for (const [name, text, values] of lookups) {
      const plan = await planOf({ text, values });
      findings.push(`  ${name}: ${plan.summary}`);
      expect(plan.seqScanOnTasks, plan.summary).toBe(false);
    }
  });

  it('pages through a busy agent with cursors it issued, in list order', async () => {
    const seen: string[] = [];
    let after: PageRequest['after'];
    for (let page = 0; page < 5; page++) {
      const { text, values } = listTasksSql({ agentId: busyAgent }, { limit: 50, after });
      const { rows } = await replica.query(text, values);
      seen.push(...rows.slice(0, 50).map((row) => row.id));
      const last = rows[49];
      after = { createdAt: last.cursor_at, id: last.id };
      expect(encodeCursor(after)).toMatch(/^[A-Za-z0-9_-]+$/);
    }
    const { rows } = await replica.query(
      'SELECT id FROM tasks WHERE agent_id = $1 ORDER BY created_at DESC, id DESC LIMIT 250',
      [busyAgent],
    );
    expect(seen).toEqual(rows.map((row) => row.id));
  });
});
