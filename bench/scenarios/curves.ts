import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type autocannon from 'autocannon';
import type { LoadResult } from '../lib/load.js';
import { findNginx, startRoundRobin } from '../lib/nginx.js';
import { noRedisAnswers, redisGets, type RedisAnswers } from '../lib/path-rotation.js';
import { ROOT } from '../lib/paths.js';
import { cpuTimeMs } from '../lib/proc-cpu.js';
import type { NodeService } from '../lib/processes.js';
import { round } from '../lib/stats.js';
import { lineChart, type ChartSpec } from '../lib/svg-chart.js';
import { authHeaders } from './fixtures.js';
import { projectedAgentPaths } from './get-agent.js';
import { measureLag } from './projection-lag.js';
import type { BenchContext, Measurement, Scenario } from './scenario.js';
import { submitRequests } from './submit-task.js';

const SCENARIO = 'Curves';
const CONNECTIONS = [1, 5, 10, 25, 50, 100, 200];
const LAG_RATES = [100, 200, 300, 500, 750, 1000];
const READERS = [1, 2, 3];
/** Each point: a short discarded run, then a short measured one. */
const POINT_S = 5;
const POINT_WARMUP_S = 1;
const OUT_DIR = join(ROOT, 'docs', 'benchmarks');

/**
 * The curves, drawn as SVG into docs/benchmarks/ (BENCH_CURVES=1; ~2.5 min): throughput
 * and p99 against connections for GetAgent and SubmitTask, ListTasks p99 against table
 * size (from the list-tasks rows of this run), projection lag against command rate, and
 * GetAgent through nginx round-robin over 1, 2 and 3 read agents with their CPU per query.
 * One row per chart; the points are in its details.
 */
export const curvesScenario: Scenario = {
  name: 'curves',
  description: 'throughput/p99 vs connections, ListTasks p99 vs table size, lag vs rate, reads vs read agents (SVG in docs/benchmarks/)',
  async run(context) {
    await mkdir(OUT_DIR, { recursive: true });
    const measurements: Measurement[] = [];
    measurements.push(...(await connectionCurves(context)));
    measurements.push(await listTasksCurve(context));
    measurements.push(await lagCurve(context));
    measurements.push(await readersCurve(context));
    return measurements;
  },
};

async function draw(file: string, spec: ChartSpec): Promise<string> {
  const path = join(OUT_DIR, file);
  await writeFile(path, lineChart(spec));
  return relative(ROOT, path);
}

function row(id: string, target: string, files: string[], points: unknown, failed?: string): Measurement {
  return {
    id: `curves/${id}`,
    scenario: SCENARIO,
    target,
    role: 'baseline',
    unit: 'points',
    rateText: files.join(', '),
    details: { points },
    ...(failed ? { failed } : {}),
  };
}

function problemsOf(result: LoadResult, label: string): string | undefined {
  return result.non2xx > 0 || result.errors > 0 ? `${label}: ${result.non2xx} non-2xx, ${result.errors} errors` : undefined;
}

async function connectionCurves(context: BenchContext): Promise<Measurement[]> {
  const writeAgent = await context.writeAgent();
  const agentIds = await context.benchAgents();
  const kinds: Array<{ key: string; name: string; url: string; pid: number; headers: Record<string, string>; requests: () => autocannon.Request[]; check?: RedisAnswers }> = [
    { key: 'submit-task', name: 'SubmitTask, write agent', url: writeAgent.url, pid: writeAgent.pid, headers: authHeaders(context.token), requests: submitRequests(agentIds, 'bench.curve') },
  ];
  if (context.stores.redisUrl) {
    const readAgent = await context.readAgent();
    const paths = await projectedAgentPaths(context, 'curves');
    const check = noRedisAnswers();
    kinds.unshift({ key: 'get-agent', name: 'GetAgent, read agent', url: readAgent.url, pid: readAgent.pid, headers: { authorization: `Bearer ${context.readToken}` }, requests: redisGets(paths, check), check });
  }
  const measurements: Measurement[] = [];
  for (const kind of kinds) {
    const points: Array<{ connections: number; rate: number; p50: number; p99: number; cpuMsPerRequest?: number; rssMb?: LoadResult['rss'] }> = [];
    const problems: string[] = [];
    for (const connections of CONNECTIONS) {
      const result = await context.load(
        { title: `${SCENARIO}: ${kind.name}, ${connections} connections`, url: kind.url, pid: kind.pid, headers: kind.headers, requests: kind.requests },
        { connections, durationS: POINT_S, warmupS: POINT_WARMUP_S },
      );
      points.push({ connections, rate: result.rps.median, p50: result.latencyMs.p50, p99: result.latencyMs.p99, cpuMsPerRequest: result.serverCpuMsPerOk, rssMb: result.rss });
      const problem = problemsOf(result, `${connections} connections`);
      if (problem) problems.push(problem);
    }
    if (kind.check && kind.check.other > 0) problems.push(`${kind.check.other} answers not 200 from Redis: ${kind.check.samples.join(' | ')}`);
    const unit = kind.key === 'get-agent' ? 'queries/s' : 'commands/s';
    const files = [
      await draw(`connections-${kind.key}-rate.svg`, {
        title: `${kind.name}: throughput vs connections`,
        xLabel: 'connections (autocannon, log scale)',
        yLabel: `${unit} (median of per-second samples)`,
        xScale: 'log',
        xTicks: CONNECTIONS,
        series: [{ name: kind.name, points: points.map((p) => ({ x: p.connections, y: p.rate })) }],
      }),
      await draw(`connections-${kind.key}-latency.svg`, {
        title: `${kind.name}: latency vs connections`,
        xLabel: 'connections (autocannon, log scale)',
        yLabel: 'latency, ms',
        xScale: 'log',
        xTicks: CONNECTIONS,
        series: [
          { name: 'p50', points: points.map((p) => ({ x: p.connections, y: p.p50 })) },
          { name: 'p99', points: points.map((p) => ({ x: p.connections, y: p.p99 })) },
        ],
      }),
    ];
    measurements.push(row(`connections-${kind.key}`, `${kind.name}: rate and p99 vs connections`, files, points, problems.join('; ') || undefined));
  }
  return measurements;
}

/** From this run's ListTasks rows (10k, 100k with BENCH_CURVES, 1M): p99 against the table size. */
async function listTasksCurve(context: BenchContext): Promise<Measurement> {
  const rows = context.measurementsSoFar().filter((m) => m.id.startsWith('list-tasks/') && m.latencyMs && typeof m.details?.rows === 'number');
  const series = (['first-page', 'mix'] as const).map((key) => ({
    name: key === 'first-page' ? 'first page' : 'filters + cursors',
    points: rows.filter((m) => m.id.startsWith(`list-tasks/${key}/`)).map((m) => ({ x: m.details!.rows as number, y: m.latencyMs!.p99 })),
  }));
  if (series.every((s) => s.points.length < 2)) {
    return { ...row('list-tasks', 'ListTasks p99 vs table size', [], []), rateText: undefined, skipped: 'needs the list-tasks scenario in the same run (before the curves)' };
  }
  const file = await draw('list-tasks-p99.svg', {
    title: 'ListTasks: p99 vs table size (50 connections)',
    xLabel: 'tasks in the table (log scale)',
    yLabel: 'p99, ms',
    xScale: 'log',
    series,
  });
  return row('list-tasks', 'ListTasks p99 vs table size', [file], series);
}

async function lagCurve(context: BenchContext): Promise<Measurement> {
  if (!context.stores.redisUrl) return { ...row('projection-lag', 'projection lag vs command rate', [], []), rateText: undefined, skipped: 'no Redis' };
  const points: Array<{ rate: number; achieved: number; lagP50?: number; lagP99?: number; writeP50: number; writeP99: number; samples: number; rssMb?: LoadResult['rss'] }> = [];
  const problems: string[] = [];
  for (const rate of LAG_RATES) {
    const { commands, lag, result } = await measureLag(context, { rate, durationS: POINT_S, warmupS: POINT_WARMUP_S, pollGapMs: 2, sampleEvery: 5 });
    points.push({
      rate,
      achieved: result.rps.median,
      lagP50: lag.latencyMs?.p50,
      lagP99: lag.latencyMs?.p99,
      writeP50: result.latencyMs.p50,
      writeP99: result.latencyMs.p99,
      samples: lag.ok ?? 0,
      rssMb: result.rss,
    });
    // Correctness only: a machine that cannot keep up shows in the curve, not as a failure.
    if (commands.failed) problems.push(`${rate}/s: ${commands.failed.split(';')[0]}`);
  }
  const file = await draw('projection-lag-vs-rate.svg', {
    title: 'Projection lag vs SubmitTask rate (paced)',
    xLabel: 'SubmitTask commands per second',
    yLabel: 'ms',
    xTicks: LAG_RATES,
    reference: { y: 15, label: 'goal at 300/s: p99 < 15 ms' },
    series: [
      { name: 'lag p50', points: points.map((p) => ({ x: p.rate, y: p.lagP50 ?? NaN })) },
      { name: 'lag p99', points: points.map((p) => ({ x: p.rate, y: p.lagP99 ?? NaN })) },
      { name: 'write p99', points: points.map((p) => ({ x: p.rate, y: p.writeP99 })) },
    ],
  });
  return row('projection-lag', 'projection lag p50/p99 (and write p99) vs command rate', [file], points, problems.join('; ') || undefined);
}

async function readersCurve(context: BenchContext): Promise<Measurement> {
  const base = row('readers', 'GetAgent through nginx round-robin vs read agents', [], []);
  const nginx = findNginx();
  if (!nginx) return { ...base, rateText: undefined, skipped: 'no nginx on PATH (Debian: nginx-light)' };
  if (!context.stores.redisUrl) return { ...base, rateText: undefined, skipped: 'no Redis' };
  const first = await context.readAgent();
  const paths = await projectedAgentPaths(context, 'readers');
  const extra: NodeService[] = [];
  let balancer: Awaited<ReturnType<typeof startRoundRobin>> | undefined;
  try {
    for (let n = 2; n <= Math.max(...READERS); n++) {
      context.log(`starting read agent ${n} for the readers curve...`);
      extra.push(await context.startNodeService({ name: `read-agent-${n}`, entry: 'apps/read-agent/src/main.js', env: context.agentEnv(context.stores), readyPath: '/health/ready' }));
    }
    const readers = [first, ...extra];
    balancer = await startRoundRobin(nginx, join(context.workDir, 'nginx'), READERS.map((count) => readers.slice(0, count).map((reader) => reader.url)));
    const headers = { authorization: `Bearer ${context.readToken}` };
    const check = noRedisAnswers();
    const points: Array<{ readers: number; rate: number; p99: number; readersCpuMsPerQuery: number; nginxCpuMsPerQuery: number }> = [];
    const problems: string[] = [];
    for (const [index, count] of READERS.entries()) {
      const target = { title: `${SCENARIO}: GetAgent via nginx -> ${count} read agent(s)`, url: balancer.urls[index], headers, requests: redisGets(paths, check) };
      await context.load(target, { durationS: POINT_WARMUP_S, warmupS: 0 });
      const used = readers.slice(0, count);
      const cpuBefore = used.map((reader) => cpuTimeMs(reader.pid) ?? NaN);
      const nginxBefore = balancer.cpuMs();
      const result = await context.load(target, { durationS: POINT_S, warmupS: 0 });
      const readersCpu = used.reduce((total, reader, i) => total + ((cpuTimeMs(reader.pid) ?? NaN) - cpuBefore[i]), 0);
      const nginxCpu = balancer.cpuMs() - nginxBefore;
      points.push({
        readers: count,
        rate: result.rps.median,
        p99: result.latencyMs.p99,
        readersCpuMsPerQuery: round(readersCpu / Math.max(1, result.ok), 3),
        nginxCpuMsPerQuery: round(nginxCpu / Math.max(1, result.ok), 3),
      });
      const problem = problemsOf(result, `${count} readers`);
      if (problem) problems.push(problem);
    }
    if (check.other > 0) problems.push(`${check.other} answers not 200 from Redis: ${check.samples.join(' | ')}`);
    const files = [
      await draw('readers-rate.svg', {
        title: 'GetAgent through nginx: queries/s vs read agents',
        xLabel: 'read agents behind one address (nginx round-robin)',
        yLabel: 'queries/s (median of per-second samples)',
        xTicks: READERS,
        series: [{ name: 'GetAgent, 50 connections', points: points.map((p) => ({ x: p.readers, y: p.rate })) }],
      }),
      await draw('readers-cpu.svg', {
        title: 'GetAgent through nginx: CPU per query vs read agents',
        xLabel: 'read agents behind one address (nginx round-robin)',
        yLabel: 'CPU ms per query',
        xTicks: READERS,
        series: [
          { name: 'read agents (sum)', points: points.map((p) => ({ x: p.readers, y: p.readersCpuMsPerQuery })) },
          { name: 'nginx', points: points.map((p) => ({ x: p.readers, y: p.nginxCpuMsPerQuery })) },
        ],
      }),
    ];
    return { ...row('readers', base.target, files, points, problems.join('; ') || undefined), notes: [`nginx ${nginx}, 2 workers, keep-alive upstreams; ${POINT_S} s per point after ${POINT_WARMUP_S} s discarded`] };
  } finally {
    await balancer?.stop();
    await Promise.all(extra.map((agent) => agent.stop()));
  }
}
