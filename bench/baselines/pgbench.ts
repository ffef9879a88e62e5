import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { exitOf, findExecutable } from '@app/local-stack';
import { defer, onExitKill, withTimeout } from '../lib/lifecycle.js';
import { latencyOf, throughputOf, type Latency, type Throughput } from '../lib/stats.js';

/** pgbench on PATH, else the newest /usr/lib/postgresql/<major>/bin/pgbench; undefined when none. */
export function findPgbench(): string | undefined {
  const onPath = findExecutable('pgbench');
  if (onPath) return onPath;
  try {
    const majors = readdirSync('/usr/lib/postgresql').filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    return majors.map((major) => `/usr/lib/postgresql/${major}/bin/pgbench`).find((file) => findExecutable(file));
  } catch {
    return undefined; // no Debian PostgreSQL packages
  }
}

export interface PgbenchSpec {
  binary: string;
  databaseUrl: string;
  script: string;
  /** pgbench -D variables. */
  variables: Record<string, string>;
  clients: number;
  durationS: number;
  warmupS: number;
  workDir: string;
  log?: (line: string) => void;
}

export interface PgbenchResult {
  tps: Throughput;
  latencyMs: Latency;
  transactions: number;
  failed: number;
  /** os.loadavg()[0] when the run ended. */
  loadAverage1m: number;
  /** pgbench's own summary lines (tps, latency average...). */
  summary: string[];
  command: string;
}

/** Extra --time for pgbench to open its connections (forking 50 backends on a busy machine). */
const CONNECT_ALLOWANCE_S = 3;

/** A discarded warm-up run, then the measured run with per-transaction logs (-l). */
export async function runPgbench(spec: PgbenchSpec): Promise<PgbenchResult> {
  await mkdir(spec.workDir, { recursive: true });
  const scriptFile = join(spec.workDir, 'submit-task.pgbench.sql');
  await writeFile(scriptFile, spec.script);
  if (spec.warmupS > 0) {
    spec.log?.(`  pgbench: warm-up ${spec.warmupS} s (discarded)`);
    await runOnce(spec, scriptFile, spec.warmupS, undefined);
  }
  spec.log?.(`  pgbench: measuring ${spec.durationS} s with ${spec.clients} clients`);
  const logDir = join(spec.workDir, 'pgbench-log');
  await mkdir(logDir, { recursive: true });
  const { output, command } = await runOnce(spec, scriptFile, spec.durationS + CONNECT_ALLOWANCE_S, join(logDir, 'tx'));

  // Per-transaction log lines: client_id transaction_no time_us script_no epoch_s epoch_us [...]
  const transactions: Array<{ endUs: number; latencyUs: number }> = [];
  const firstStartByClient = new Map<string, number>();
  for (const file of await readdir(logDir)) {
    for (const line of (await readFile(join(logDir, file), 'utf8')).split('\n')) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 6) continue;
      const latencyUs = Number(fields[2]);
      if (!Number.isFinite(latencyUs)) continue; // 'failed' / 'skipped' transactions
      const endUs = Number(fields[4]) * 1e6 + Number(fields[5]);
      transactions.push({ endUs, latencyUs });
      const client = fields[0];
      const begun = endUs - latencyUs;
      if (begun < (firstStartByClient.get(client) ?? Number.POSITIVE_INFINITY)) firstStartByClient.set(client, begun);
    }
  }
  if (transactions.length === 0) throw new Error(`pgbench logged no transaction:\n${output.split('\n').slice(-15).join('\n')}`);
  // The window starts once every client runs (pgbench's --time also covers opening the
  // connections, hence the extra seconds given to it) and lasts durationS whole seconds.
  const startUs = Math.max(...firstStartByClient.values());
  const endUs = startUs + spec.durationS * 1e6;
  const lastUs = transactions.reduce((last, transaction) => Math.max(last, transaction.endUs), startUs);
  const seconds = Math.max(1, Math.min(spec.durationS, Math.floor((lastUs - startUs) / 1e6)));
  const perSecond = new Array<number>(seconds).fill(0);
  const latencies: number[] = [];
  for (const transaction of transactions) {
    if (transaction.endUs < startUs || transaction.endUs >= endUs) continue;
    latencies.push(transaction.latencyUs / 1000);
    const second = Math.floor((transaction.endUs - startUs) / 1e6);
    if (second >= 0 && second < seconds) perSecond[second]++;
  }
  const failedMatch = /number of failed transactions: (\d+)/.exec(output);
  return {
    tps: throughputOf(perSecond),
    latencyMs: latencyOf(latencies),
    transactions: latencies.length,
    failed: failedMatch ? Number(failedMatch[1]) : 0,
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    summary: output.split('\n').filter((line) => /^(tps|latency|number of|initial connection)/.test(line.trim())),
    command,
  };
}

async function runOnce(
  spec: PgbenchSpec,
  scriptFile: string,
  durationS: number,
  logPrefix: string | undefined,
): Promise<{ output: string; command: string }> {
  const args = [
    '--no-vacuum',
    '--protocol=prepared', // what the write agent sends: statements prepared once per connection
    `--client=${spec.clients}`,
    `--jobs=${Math.max(1, Math.min(cpus().length, spec.clients))}`,
    `--time=${durationS}`,
    `--file=${scriptFile}`,
    ...Object.entries(spec.variables).map(([name, value]) => `--define=${name}=${value}`),
    ...(logPrefix ? ['--log', `--log-prefix=${logPrefix}`] : []),
    spec.databaseUrl,
  ];
  const child = spawn(spec.binary, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: spec.workDir });
  const forget = onExitKill(() => child.kill('SIGKILL'));
  const release = defer('pgbench', async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  try {
    const code = await withTimeout(exitOf(child), (durationS + 60) * 1000, 'pgbench');
    const aborted = /aborted|ERROR|FATAL/.test(output);
    if (code !== 0 || aborted) {
      throw new Error(`pgbench failed (exit ${code}):\n${output.split('\n').slice(-25).join('\n')}`);
    }
    return { output, command: `${spec.binary} ${args.join(' ')}` };
  } finally {
    await release();
    forget();
  }
}
