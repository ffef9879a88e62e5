import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Measurement } from '../scenarios/scenario.js';
import type { MachineInfo } from './machine.js';
import { ROOT } from './paths.js';
import type { SqlCheck } from './sql-check.js';
import { median, round } from './stats.js';

export interface Ratio {
  agent: string;
  baseline: string;
  /**
   * The median of the per-round ratios (agent round rate / baseline round rate) when both
   * were measured in the same interleaved rounds; else agent median / baseline median.
   */
  ratio: number | undefined;
  /** The per-round ratios the median was taken of. */
  roundRatios?: number[];
  /**
   * Baseline server CPU per answer / agent CPU per answer (both our processes): the same
   * comparison by cost instead of rate, 1.0 = as cheap as the baseline.
   */
  cpuRatio?: number;
  /** Agent p99 latency / baseline p99 latency (e.g. ListTasks at 1M rows vs 10k rows). */
  p99Ratio?: number;
}

export interface BenchReport {
  startedAt: string;
  finishedAt: string;
  config: Record<string, unknown>;
  machine: MachineInfo;
  stores: { description: string[]; postgres: string; redis: string | undefined };
  writeAgent: Record<string, string>;
  /** Present when a scenario used the shared read agent. */
  readAgent?: Record<string, string>;
  sqlCheck: SqlCheck;
  measurements: Measurement[];
  ratios: Ratio[];
  failures: string[];
  /** BENCH_CPU_PROF: one per agent profiled. */
  profiles?: Array<{ agent: string; file: string; windows: Array<{ fromMs: number; toMs: number }>; summary: string }>;
}

/**
 * Rate ratio agent / baseline: the median of the per-round ratios when both were measured
 * in the same interleaved rounds (the figure goals use), else the ratio of the medians.
 */
export function rateRatio(agent: Measurement, baseline: Measurement | undefined): { ratio: number | undefined; roundRatios?: number[] } {
  if (agent.rounds && baseline?.rounds && agent.rounds.length === baseline.rounds.length && baseline.rounds.every((r) => r.rate > 0)) {
    const roundRatios = agent.rounds.map((r, index) => round(r.rate / baseline.rounds![index].rate, 3));
    return { ratio: round(median(roundRatios), 3), roundRatios };
  }
  return { ratio: agent.rps && baseline?.rps && baseline.rps.median > 0 ? round(agent.rps.median / baseline.rps.median, 3) : undefined };
}

export function ratiosOf(measurements: Measurement[]): Ratio[] {
  const byId = new Map(measurements.map((measurement) => [measurement.id, measurement]));
  return measurements.flatMap((agent) =>
    (agent.baselines ?? []).map((baselineId) => {
      const baseline = byId.get(baselineId);
      const { ratio, roundRatios } = rateRatio(agent, baseline);
      const cpuRatio =
        agent.serverCpuMsPerRequest && baseline?.serverCpuMsPerRequest
          ? round(baseline.serverCpuMsPerRequest / agent.serverCpuMsPerRequest, 3)
          : undefined;
      const p99Ratio =
        agent.latencyMs && baseline?.latencyMs && baseline.latencyMs.p99 > 0
          ? round(agent.latencyMs.p99 / baseline.latencyMs.p99, 3)
          : undefined;
      return {
        agent: agent.id,
        baseline: baselineId,
        ratio,
        ...(roundRatios ? { roundRatios } : {}),
        ...(cpuRatio === undefined ? {} : { cpuRatio }),
        ...(p99Ratio === undefined ? {} : { p99Ratio }),
      };
    }),
  );
}

const fmt = (value: number | undefined, digits = 0): string =>
  value === undefined || !Number.isFinite(value)
    ? '-'
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

interface Row {
  scenario: string;
  target: string;
  rate: string;
  p50: string;
  p99: string;
  non2xx: string;
  cpu: string;
  baseline: string;
  ratio: string;
  cpuRatio: string;
}

function rowsOf(report: BenchReport): Row[] {
  const byId = new Map(report.measurements.map((measurement) => [measurement.id, measurement]));
  const rows: Row[] = [];
  for (const m of report.measurements) {
    const rate = m.skipped
      ? `skipped: ${m.skipped}`
      : m.rateText
        ? m.rateText
        : m.rps
          ? `${fmt(m.rps.median)} ${m.unit} (mean ${fmt(m.rps.mean)})`
          : 'failed';
    const first: Row = {
      scenario: m.scenario,
      target: m.failed ? `${m.target} (FAILED)` : m.target,
      rate,
      p50: fmt(m.latencyMs?.p50, 1),
      p99: fmt(m.latencyMs?.p99, 1),
      non2xx: m.non2xx !== undefined || (m.role === 'agent' && m.rps) ? fmt(m.non2xx ?? 0) : '-',
      cpu: fmt(m.serverCpuMsPerRequest, 2),
      baseline: '-',
      ratio: '-',
      cpuRatio: '-',
    };
    const ratios = report.ratios.filter((ratio) => ratio.agent === m.id);
    if (ratios.length === 0) rows.push(first);
    ratios.forEach((ratio, index) => {
      const baseline = byId.get(ratio.baseline);
      const described = baseline
        ? `${baseline.target}${baseline.rps ? `: ${fmt(baseline.rps.median)} ${baseline.unit}` : baseline.skipped ? ' (skipped)' : ''}`
        : ratio.baseline;
      const cells = {
        baseline: described,
        ratio: ratio.ratio === undefined ? '-' : ratio.ratio.toFixed(2),
        cpuRatio: ratio.cpuRatio === undefined ? '-' : ratio.cpuRatio.toFixed(2),
      };
      rows.push(
        index === 0 ? { ...first, ...cells } : { scenario: '', target: '', rate: '', p50: '', p99: '', non2xx: '', cpu: '', ...cells },
      );
    });
  }
  return rows;
}

const HEADERS: Row = {
  scenario: 'scenario',
  target: 'target',
  rate: 'rate (median of rounds / of seconds)',
  p50: 'p50 ms',
  p99: 'p99 ms',
  non2xx: 'non-2xx',
  cpu: 'server CPU ms/req',
  baseline: 'baseline',
  ratio: 'ratio',
  cpuRatio: 'CPU ratio',
};
const COLUMNS = Object.keys(HEADERS) as Array<keyof Row>;

/** One line per measurement with a goal: what was aimed at, what this run measured, met or not. */
export function goalLines(report: BenchReport): string[] {
  return report.measurements
    .filter((m) => m.goal)
    .map((m) => {
      const goal = m.goal!;
      const verdict = goal.met === undefined ? 'not measured' : goal.met ? 'met' : 'NOT MET';
      return `- ${m.scenario} / ${m.target}: ${goal.text}: ${goal.value} (${verdict})`;
    });
}

/** The plain-text table printed at the end of a run. */
export function textTable(report: BenchReport): string {
  const rows = [HEADERS, ...rowsOf(report)];
  const widths = COLUMNS.map((column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: Row) => COLUMNS.map((column, index) => row[column].padEnd(widths[index])).join('  ').trimEnd();
  return [line(HEADERS), widths.map((width) => '-'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function markdown(report: BenchReport, jsonFile: string): string {
  const m = report.machine;
  const escape = (text: string) => text.replace(/\|/g, '\\|');
  const table = [
    `| ${COLUMNS.map((column) => HEADERS[column]).join(' | ')} |`,
    `| ${COLUMNS.map(() => '---').join(' | ')} |`,
    ...rowsOf(report).map((row) => `| ${COLUMNS.map((column) => escape(row[column])).join(' | ')} |`),
  ];
  const notes = report.measurements.flatMap((measurement) =>
    (measurement.notes ?? []).map((note) => `- ${measurement.scenario} / ${measurement.target}: ${note}`),
  );
  const byId = new Map(report.measurements.map((measurement) => [measurement.id, measurement]));
  for (const ratio of report.ratios.filter((r) => r.roundRatios)) {
    const agent = byId.get(ratio.agent)!;
    notes.push(
      `- ${agent.scenario} / ${agent.target} vs ${byId.get(ratio.baseline)?.target ?? ratio.baseline}: per-round ratios ${ratio.roundRatios!.map((r) => r.toFixed(2)).join(', ')} (median ${ratio.ratio?.toFixed(2)})`,
    );
  }
  return [
    '# Benchmark results (latest run)',
    '',
    ...(report.writeAgent.EXPERIMENT ? [`**EXPERIMENT, not the production configuration:** ${report.writeAgent.EXPERIMENT}`, ''] : []),
    `Run ${report.startedAt} -> ${report.finishedAt}; full data: \`${relative(ROOT, jsonFile)}\`.`,
    `rate = median of the per-round rates (interleaved rounds) or of the per-second samples (single runs); ratio = median of the per-round ratios agent / baseline (same sitting), else the ratio of the medians; CPU ratio = baseline server CPU per request / agent's. How to read them: docs/benchmarks.md.`,
    '',
    ...table,
    '',
    ...(report.failures.length > 0 ? ['**FAILED:**', '', ...report.failures.map((failure) => `- ${escape(failure)}`), ''] : []),
    ...(goalLines(report).length > 0 ? ['Goals (docs/benchmarks.md):', '', ...goalLines(report), ''] : []),
    `Load: ${report.config.connections} connections, ${report.config.warmupS} s warm-up (discarded) per target, then ${report.config.rounds} interleaved rounds of ${report.config.durationS} s per compared target (single runs: one of ${report.config.durationS} s).`,
    `Baseline SQL check: ${report.sqlCheck.status} (${report.sqlCheck.detail}).`,
    ...(notes.length > 0 ? ['', 'Notes:', '', ...notes] : []),
    '',
    '## Machine',
    '',
    `- node ${m.node}, ${m.platform}`,
    `- ${m.cpuCount} CPUs (${m.cpuModel}), ${m.memoryGiB} GiB memory (${m.freeMemoryGiB} GiB free before the run)`,
    `- load average (1/5/15 min) before the run: ${m.loadAverageBefore.join(' / ')}; after: ${m.loadAverageAfter?.join(' / ') ?? '-'}`,
    `- PostgreSQL ${report.stores.postgres}; Redis ${report.stores.redis ?? 'none'}`,
    ...report.stores.description.map((line) => `- ${line}`),
    `- commit ${m.gitCommit ?? 'unknown'}${m.gitDirty ? ' (with uncommitted changes)' : ''}`,
    `- write agent: ${Object.entries(report.writeAgent).map(([key, value]) => `${key}=${value}`).join(', ')}`,
    ...(report.readAgent ? [`- read agent: ${Object.entries(report.readAgent).map(([key, value]) => `${key}=${value}`).join(', ')}`] : []),
    '',
    'The machine is shared and noisy: compare ratios from one sitting, not absolute numbers across runs.',
    ...(report.profiles ?? []).flatMap((profile) => [
      '',
      `## CPU profile of the ${profile.agent} (measured runs only)`,
      '',
      `\`${profile.file}\``,
      '',
      '```',
      profile.summary,
      '```',
    ]),
    '',
  ].join('\n');
}

/** Writes bench/results/<timestamp>.json and bench/results/latest.md; returns their paths. */
export async function writeReport(report: BenchReport, resultsDir: string): Promise<{ json: string; md: string }> {
  await mkdir(resultsDir, { recursive: true });
  // ISO 8601 basic format: no ':' in the file name.
  const stamp = report.startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const json = join(resultsDir, `${stamp}.json`);
  const md = join(resultsDir, 'latest.md');
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(md, markdown(report, json));
  return { json, md };
}
