import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { withClient } from '@app/local-stack';
import { SUBMIT_TASK_STATEMENTS } from '../baselines/submit-task-sql.js';
import { postJson } from '../scenarios/fixtures.js';
import { createScratchDatabase } from './databases.js';
import { withTimeout } from './lifecycle.js';
import type { NodeService } from './processes.js';
import type { Stores } from './stores.js';

export interface SqlCheck {
  status: 'match' | 'MISMATCH' | 'skipped' | 'error';
  detail: string;
  /** The statements the agent sent for one SubmitTask (whitespace as logged). */
  agentStatements?: string[];
}

const BEGIN = 'bench-sql-check-begin';
const END = 'bench-sql-check-end';

/**
 * Runs one SubmitTask through a short-lived write agent on a scratch database that logs
 * every statement (log_statement = 'all'), and compares the statements it sent with the
 * ones baselines (b) and (c) replay. Needs the cluster this run started (to read its log).
 */
export async function checkBaselineSql(
  stores: Stores,
  startAgent: (databaseUrl: string) => Promise<NodeService>,
  token: string,
  runTag: string,
): Promise<SqlCheck> {
  if (!stores.cluster) return { status: 'skipped', detail: 'external DATABASE_URL: the server log is not readable here' };
  const { logDir } = stores.cluster;
  const urls = await createScratchDatabase(stores, 'bench_sql_check');
  await withClient(urls.primaryUrl, (client) => client.query(`ALTER DATABASE bench_sql_check SET log_statement = 'all'`));

  const logFile = join(logDir, 'primary.log');
  const from = (await stat(logFile)).size;
  const agent = await startAgent(urls.primaryUrl);
  try {
    await withTimeout(
      (async () => {
        const agentId = `${runTag}-0000-4000-8000-0000deadbeef`;
        await postJson(`${agent.url}/agents`, token, { id: agentId, name: `sql-check-${runTag}`, version: '1' });
        await withClient(urls.primaryUrl, async (client) => {
          await client.query(`SELECT '${BEGIN}'`);
          await postJson(`${agent.url}/tasks`, token, { agentId, type: 'bench.task', payload: { n: 1 } });
          await client.query(`SELECT '${END}'`);
        });
      })(),
      30_000,
      'the SQL check',
    );
  } finally {
    await agent.stop();
  }

  const statements = await statementsBetween(logFile, from);
  const expected = SUBMIT_TASK_STATEMENTS.map(normalize);
  const actual = statements.map(normalize);
  const same = expected.length === actual.length && expected.every((sql, index) => sql === actual[index]);
  return same
    ? { status: 'match', detail: `the agent sent the ${actual.length} statements the baselines replay`, agentStatements: statements }
    : {
        status: 'MISMATCH',
        detail:
          `the write agent's SubmitTask SQL changed: update bench/baselines/submit-task-sql.ts from the statements ` +
          `recorded in the results JSON (sqlCheck.agentStatements)`,
        agentStatements: statements,
      };
}

/** The statements logged between the BEGIN and END markers (log_line_prefix '%m [%p] '). */
async function statementsBetween(logFile: string, from: number): Promise<string[]> {
  const handle = await open(logFile, 'r');
  let text: string;
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(size - from);
    await handle.read(buffer, 0, buffer.length, from);
    text = buffer.toString('utf8');
  } finally {
    await handle.close();
  }
  const lines = text.split('\n');
  const begin = lines.findIndex((line) => line.includes(`'${BEGIN}'`));
  const end = lines.findIndex((line) => line.includes(`'${END}'`));
  if (begin < 0 || end < begin) throw new Error('SQL check: markers not found in the primary log');
  const statements: string[] = [];
  let current: string[] | undefined;
  const flush = () => {
    if (current) statements.push(current.join('\n'));
    current = undefined;
  };
  for (const line of lines.slice(begin + 1, end)) {
    const start = /^\S+ \S+ \S+ \[\d+\] LOG:\s+(?:execute [^:]*|statement): (.*)$/.exec(line);
    if (start) {
      flush();
      current = [start[1]];
    } else if (/^\S+ \S+ \S+ \[\d+\] /.test(line)) {
      flush(); // DETAIL (the parameters) or another message
    } else if (current && line.startsWith('\t')) {
      current.push(line.slice(1));
    }
  }
  flush();
  return statements;
}

function normalize(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}
