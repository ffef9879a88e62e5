import pg from 'pg';
import { waitForReplicaReplay, withClient } from '@app/local-stack';
import { createScratchDatabase, redisUrlWithDb, type ScratchDatabase } from '../lib/databases.js';
import { withTimeout } from '../lib/lifecycle.js';
import { pathRotation } from '../lib/path-rotation.js';
import type { NodeService } from '../lib/processes.js';
import { round } from '../lib/stats.js';
import { getJson } from './fixtures.js';
import { measurementOf, type BenchContext, type Measurement, type Scenario } from './scenario.js';

const SCENARIO = 'ListTasks';
const SMALL_ROWS = 10_000;
/** The middle point of the ListTasks curve (BENCH_CURVES=1). */
const MIDDLE_ROWS = 100_000;
const TASKS_PER_AGENT = 100;
const TARGET_P99_RATIO = 1.5;
/** Redis logical databases of the two read agents (each database needs its own projections namespace). */
const REDIS_DB = { small: 2, large: 3, middle: 4 };
const ROWS_PER_STATEMENT = 250_000;

const TYPES = ['crawl.page', 'email.send', 'report.build', 'image.resize', 'index.update', 'sync.users', 'notify.slack', 'backup.db'];

interface Table {
  label: string;
  rows: number;
  database: ScratchDatabase;
  agent: NodeService;
  fillS: number;
  replayMs: number;
}

/**
 * ListTasks at 10,000 and at BENCH_LIST_ROWS (1,000,000) tasks: one database per size,
 * filled with INSERT ... SELECT generate_series (agents, tasks spread over them, statuses,
 * types and 30 days of created_at), VACUUM ANALYZE, the replica caught up; one read agent
 * per database (lists come from its replica). Two loads, each measured on both sizes
 * interleaved: the first page (GET /tasks?limit=20), and a mix of filters (agentId,
 * status, both, type) and of cursors taken from the first pages.
 */
export const listTasksScenario: Scenario = {
  name: 'list-tasks',
  description: `ListTasks p99 at ${SMALL_ROWS.toLocaleString('en-US')} vs BENCH_LIST_ROWS tasks (first page, filters + cursors)`,
  async run(context) {
    const largeRows = context.config.listRows;
    const sizes = [{ label: '10k', rows: SMALL_ROWS, redisDb: REDIS_DB.small }];
    if (context.config.curves && largeRows > MIDDLE_ROWS) sizes.push({ label: labelOf(MIDDLE_ROWS), rows: MIDDLE_ROWS, redisDb: REDIS_DB.middle });
    if (largeRows > 0 && largeRows !== SMALL_ROWS) sizes.push({ label: labelOf(largeRows), rows: largeRows, redisDb: REDIS_DB.large });

    const tables: Table[] = [];
    for (const size of sizes) {
      context.log(`filling a database with ${size.rows.toLocaleString('en-US')} tasks (SQL)...`);
      const database = await createScratchDatabase(context.stores, `bench_list_${size.label.toLowerCase()}`);
      const started = performance.now();
      await withTimeout(fill(database.primaryUrl, size.rows, context.log), 300_000, `filling ${size.rows} tasks`);
      const fillS = (performance.now() - started) / 1000;
      const replay = await waitForReplicaReplay(database, { timeoutMs: 180_000 });
      context.log(`  filled and analyzed in ${fillS.toFixed(1)} s; replica caught up ${replay.ms} ms later`);
      const agent = await context.startNodeService({
        name: `read-agent-list-${size.label}`,
        entry: 'apps/read-agent/src/main.js',
        env: context.agentEnv({
          primaryUrl: database.primaryUrl,
          replicaUrls: database.replicaUrls,
          redisUrl: context.stores.redisUrl ? redisUrlWithDb(context.stores.redisUrl, size.redisDb) : undefined,
        }),
        readyPath: '/health/ready',
      });
      tables.push({ label: size.label, rows: size.rows, database, agent, fillS, replayMs: replay.ms });
    }

    const measurements: Measurement[] = [];
    try {
      const headers = { authorization: `Bearer ${context.readToken}` };
      const mixes = await Promise.all(tables.map((table) => queryMix(context, table)));
      for (const load of ['first page', 'filters + cursors'] as const) {
        const targets = tables.map((table, index) => ({
          title: `${SCENARIO} ${load} -> read agent, ${table.label} tasks`,
          url: table.agent.url,
          pid: table.agent.pid,
          headers,
          requests: pathRotation(load === 'first page' ? ['/tasks?limit=20'] : mixes[index]),
        }));
        const results = await context.compare(targets);
        const key = load === 'first page' ? 'first-page' : 'mix';
        const ids = tables.map((table) => `list-tasks/${key}/${table.label}`);
        tables.forEach((table, index) => {
          const large = index > 0;
          const measurement = measurementOf(
            {
              id: ids[index],
              scenario: `${SCENARIO} (${load})`,
              target: `read agent, ${table.rows.toLocaleString('en-US')} tasks`,
              role: large ? 'agent' : 'baseline',
              unit: 'queries/s',
              ...(large ? { baselines: [ids[0]] } : {}),
              notes: [
                load === 'first page'
                  ? 'GET /tasks?limit=20'
                  : `${mixes[index].length} paths in rotation: filters agentId / status / both / type, and next pages by cursor`,
                `table filled in ${table.fillS.toFixed(1)} s (INSERT ... SELECT generate_series + VACUUM ANALYZE), replica caught up ${table.replayMs} ms later`,
              ],
            },
            results[index],
            true,
          );
          measurement.details = { ...measurement.details, rows: table.rows };
          if (large) {
            const small = measurements.find((m) => m.id === ids[0]);
            const ratio = small?.latencyMs && measurement.latencyMs ? measurement.latencyMs.p99 / small.latencyMs.p99 : undefined;
            measurement.goal = {
              text: `p99 ratio ${table.label} / 10k <= ${TARGET_P99_RATIO}`,
              value: ratio === undefined ? '-' : `${round(ratio, 2).toFixed(2)} (p99 ${measurement.latencyMs!.p99} ms vs ${small!.latencyMs!.p99} ms)`,
              met: ratio === undefined ? undefined : ratio <= TARGET_P99_RATIO,
            };
          }
          measurements.push(measurement);
        });
      }
    } finally {
      await Promise.all(tables.map((table) => table.agent.stop()));
    }
    return measurements;
  },
};

function labelOf(rows: number): string {
  if (rows % 1_000_000 === 0) return `${rows / 1_000_000}M`;
  if (rows % 1_000 === 0) return `${rows / 1_000}k`;
  return String(rows);
}

/** A version-4 UUID made of md5(text) (the agents validate ids as UUIDs, version included). */
const uuidOf = (text: string) => `(overlay(overlay(md5(${text}) placing '4' from 13) placing '8' from 17))::uuid`;

/**
 * Agents (one per 100 tasks, 1 in 20 paused, 1 in 50 retired) and tasks: the agent drawn
 * with a skew (agent k of n gets a share ~ 1/sqrt(k), so a few agents hold many tasks),
 * the type skewed over 8 types, the status 10 % pending, 5 % running, 70 % completed,
 * 10 % failed, 5 % cancelled (with the timestamps, result and error each status implies),
 * created_at uniform over the last 30 days. Ids are md5 of a name, as v4 uuids.
 *
 * Fast: the tasks' indexes and constraints (as the migrations made them, read from the
 * catalog) are dropped, the rows inserted by two connections at once, then the primary
 * and foreign keys and the indexes are built again from their saved definitions (two at a
 * time), and the result is checked to be the same set of definitions; then VACUUM ANALYZE.
 * 1,000,000 rows take ~25 s on the 2-CPU development machine, ~5x less than inserting
 * into the indexed table.
 */
async function fill(primaryUrl: string, rows: number, log: (line: string) => void): Promise<void> {
  const agents = agentCountOf(rows);
  const types = `ARRAY[${TYPES.map((type) => `'${type}'`).join(', ')}]`;
  const insertTasks = `
    INSERT INTO tasks (id, agent_id, type, status, payload, result, error, revision, created_at, updated_at, started_at, completed_at)
    SELECT ${uuidOf(`'list-task-' || t`)},
           ${uuidOf(`'list-agent-' || (1 + floor($3::int * power(random(), 2)))::int`)},
           (${types})[1 + floor(8 * power(random(), 2))::int],
           s.status,
           jsonb_build_object('n', t, 'url', 'https://example.test/' || t),
           CASE WHEN s.status = 'completed' THEN '{"pages": 3}'::jsonb END,
           CASE WHEN s.status = 'failed' THEN 'upstream answered 503' END,
           CASE s.status WHEN 'pending' THEN 1 WHEN 'running' THEN 2 WHEN 'cancelled' THEN 2 ELSE 3 END,
           g.created,
           g.created + CASE WHEN s.status = 'pending' THEN interval '0' ELSE interval '3 seconds' END,
           CASE WHEN s.status IN ('running', 'completed', 'failed') THEN g.created + interval '1 second' END,
           CASE WHEN s.status IN ('completed', 'failed', 'cancelled') THEN g.created + interval '3 seconds' END
    FROM (SELECT t, now() - random() * interval '30 days' AS created, random() AS r
          FROM generate_series($1::int, $2::int) AS t) AS g
    CROSS JOIN LATERAL (
      SELECT CASE WHEN g.r < 0.10 THEN 'pending' WHEN g.r < 0.15 THEN 'running' WHEN g.r < 0.85 THEN 'completed'
                  WHEN g.r < 0.95 THEN 'failed' ELSE 'cancelled' END AS status
    ) AS s`;

  await withClients(primaryUrl, 2, async ([main, second]) => {
    await main.query(
      `INSERT INTO agents (id, name, version, status, config, revision, created_at, updated_at)
       SELECT ${uuidOf(`'list-agent-' || i`)}, 'list-agent-' || i, '1.' || (i % 7) || '.0',
              CASE WHEN i % 50 = 0 THEN 'retired' WHEN i % 20 = 0 THEN 'paused' ELSE 'active' END,
              jsonb_build_object('depth', i % 5), 1,
              now() - interval '40 days' + i * interval '1 second', now() - interval '40 days' + i * interval '1 second'
       FROM generate_series(1, $1::int) AS i`,
      [agents],
    );
    const before = await tasksSchema(main);
    for (const constraint of before.constraints) await main.query(`ALTER TABLE tasks DROP CONSTRAINT ${constraint.name}`);
    for (const index of before.indexes) await main.query(`DROP INDEX ${index.name}`);

    // Chunks of rows, taken in turn by the two connections.
    const chunks: Array<[number, number]> = [];
    for (let first = 1; first <= rows; first += ROWS_PER_STATEMENT) chunks.push([first, Math.min(rows, first + ROWS_PER_STATEMENT - 1)]);
    let inserted = 0;
    await Promise.all(
      [main, second].map(async (client) => {
        for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
          await client.query(insertTasks, [chunk[0], chunk[1], agents]);
          inserted += chunk[1] - chunk[0] + 1;
          if (rows > ROWS_PER_STATEMENT) log(`  ${inserted.toLocaleString('en-US')} tasks inserted`);
        }
      }),
    );

    for (const client of [main, second]) await client.query(`SET maintenance_work_mem = '256MB'`);
    // The primary key first (the other constraint needs nothing of it, but it is the biggest).
    const primary = before.constraints.find((constraint) => constraint.type === 'p');
    const others = before.constraints.filter((constraint) => constraint !== primary);
    const builds = [
      ...(primary ? [`ALTER TABLE tasks ADD CONSTRAINT ${primary.name} ${primary.definition}`] : []),
      ...others.map((constraint) => `ALTER TABLE tasks ADD CONSTRAINT ${constraint.name} ${constraint.definition}`),
      ...before.indexes.map((index) => index.definition),
    ];
    if (primary) await main.query(builds.shift()!);
    await Promise.all(
      [main, second].map(async (client) => {
        for (let build = builds.shift(); build; build = builds.shift()) await client.query(build);
      }),
    );
    const after = await tasksSchema(main);
    if (JSON.stringify(comparable(after)) !== JSON.stringify(comparable(before))) {
      throw new Error(`the tasks table's indexes and constraints differ after the fill:\n${JSON.stringify(before)}\n${JSON.stringify(after)}`);
    }
    log('  indexes and constraints built again; VACUUM ANALYZE...');
    await main.query('VACUUM ANALYZE agents');
    await main.query('VACUUM ANALYZE tasks');
  });
}

const agentCountOf = (rows: number) => Math.max(10, Math.round(rows / TASKS_PER_AGENT));

interface TasksSchema {
  constraints: Array<{ name: string; type: string; definition: string }>;
  indexes: Array<{ name: string; definition: string }>;
}

/**
 * A schema with its definitions stripped of casts, parentheses and spaces: PostgreSQL
 * deparses a rebuilt partial index's predicate with its casts moved
 * (`ANY ((ARRAY['a'::varchar])::text[])` becomes `ANY (ARRAY[('a'::varchar)::text])`),
 * the same index in other words.
 */
function comparable(schema: TasksSchema): TasksSchema {
  const strip = (definition: string) => definition.replace(/::[a-z ]+(\[\])?/g, '').replace(/[()\s]/g, '');
  return {
    constraints: schema.constraints.map((constraint) => ({ ...constraint, definition: strip(constraint.definition) })),
    indexes: schema.indexes.map((index) => ({ ...index, definition: strip(index.definition) })),
  };
}

/** The tasks table's primary and foreign keys and its other indexes, as the catalog defines them. */
async function tasksSchema(client: pg.Client): Promise<TasksSchema> {
  const constraints = await client.query<{ name: string; type: string; definition: string }>(
    `SELECT conname AS name, contype::text AS type, pg_get_constraintdef(oid) AS definition
     FROM pg_constraint WHERE conrelid = 'tasks'::regclass AND contype IN ('p', 'f', 'u') ORDER BY conname`,
  );
  const indexes = await client.query<{ name: string; definition: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
     FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     WHERE x.indrelid = 'tasks'::regclass
       AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid AND c.conrelid = 'tasks'::regclass)
     ORDER BY i.relname`,
  );
  return { constraints: constraints.rows, indexes: indexes.rows };
}

async function withClients<T>(url: string, count: number, use: (clients: pg.Client[]) => Promise<T>): Promise<T> {
  const clients = Array.from({ length: count }, () => new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 }));
  try {
    await Promise.all(clients.map((client) => client.connect()));
    return await use(clients);
  } finally {
    await Promise.all(clients.map((client) => client.end().catch(() => undefined)));
  }
}

/**
 * The paths of the "filters + cursors" load for one table: filters by a busy, a middling
 * and a quiet agent, by status, agent + status and type, first pages and the next pages
 * (cursors from the agent's own answers).
 */
async function queryMix(context: BenchContext, table: Table): Promise<string[]> {
  const agentIds = await withClient(table.database.replicaUrls[0] ?? table.database.primaryUrl, async (client) => {
    const agents = agentCountOf(table.rows);
    const { rows } = await client.query<{ id: string }>(
      `SELECT ${uuidOf(`'list-agent-' || i`)}::text AS id FROM unnest($1::int[]) AS i`,
      [[1, Math.max(2, Math.round(agents / 10)), agents - 1]],
    );
    return rows.map((row) => row.id);
  });
  const firstPages = [
    '/tasks?limit=20',
    ...agentIds.map((id) => `/tasks?agentId=${id}&limit=20`),
    '/tasks?status=pending&limit=20',
    '/tasks?status=running&limit=20',
    '/tasks?status=failed&limit=20',
    `/tasks?agentId=${agentIds[0]}&status=completed&limit=20`,
    '/tasks?type=email.send&limit=20',
  ];
  const paths: string[] = [];
  for (const first of firstPages) {
    let path = first;
    // The first page and up to two more, by cursor.
    for (let page = 0; page < 3; page++) {
      paths.push(path);
      const answer = await getJson<{ nextCursor: string | null }>(`${table.agent.url}${path}`, context.readToken);
      if (!answer.nextCursor) break;
      path = `${first}&cursor=${answer.nextCursor}`;
    }
  }
  return paths;
}
