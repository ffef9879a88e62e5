import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { withTimeout } from './lifecycle.js';
import { cpuTimeMs } from './proc-cpu.js';
import { sampleRss, type RssSummary } from './rss.js';
import { latencyOf, mean, median, round, throughputOf, type Latency, type Throughput } from './stats.js';

/** One target under load. Connections, durations and warm-up come from the run's settings. */
export interface LoadTarget {
  title: string;
  url: string;
  headers?: Record<string, string>;
  /**
   * Builds the request sequence each connection loops over. Called once per autocannon
   * run (warm-up and each measured segment), so per-run state starts fresh.
   */
  requests: () => autocannon.Request[];
  /** The server's pid, when it is a process of ours: its CPU time per answer is measured. */
  pid?: number;
}

export interface LoadSettings {
  connections: number;
  /** Measured seconds per target. */
  durationS: number;
  /** Discarded run of the same load before a target's first measured run (0: none). */
  warmupS: number;
  /** Interleaved rounds of `durationS` each per target in runInterleaved (BENCH_ROUNDS). */
  rounds: number;
  log?: (line: string) => void;
}

/** One measured round of one target (runInterleaved). */
export interface RoundResult {
  /** 2xx answers / whole seconds of the round: its rate. */
  rate: number;
  p50: number;
  p99: number;
  serverCpuMsPerOk?: number;
}

export interface LoadResult {
  /**
   * Successful (2xx) responses per second. One run: the median of its per-second samples.
   * Interleaved: the median of the per-round rates (`rounds`), the samples pooled.
   */
  rps: Throughput;
  /** Interleaved runs: each round of this target, in order. */
  rounds?: RoundResult[];
  /** RSS of the tracked agents (bench/lib/rss.ts) during the measured runs. */
  rss?: Record<string, RssSummary>;
  /** Latency of every response in the measured runs, ms (client-side, exact). */
  latencyMs: Latency;
  total: number;
  ok: number;
  non2xx: number;
  /** Connection errors and timeouts (autocannon's `errors`). */
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  /** The first few non-2xx answers, for the error message. */
  non2xxSamples: Array<{ status: number; body: string }>;
  durationS: number;
  /** Wall-clock windows of the measured runs (epoch ms), e.g. to cut a CPU profile to them. */
  windows: Array<{ startMs: number; endMs: number }>;
  /** os.loadavg()[0] at the end of each measured run: how busy the machine was (all processes). */
  loadAverage1m: number[];
  /**
   * CPU time (user + system) the server process used per successful answer, ms, when its
   * pid is known (Linux). Far less sensitive to a busy machine than the rates.
   */
  serverCpuMsPerOk?: number;
  /**
   * CPU the bench process itself (autocannon, the load generator, single-threaded) used
   * during the measured runs, in % of one CPU: near 100 means the generator was the limit.
   */
  clientCpuPercent: number;
}

/** One autocannon run, before aggregation. */
interface RawRun {
  perSecond: number[];
  latencies: number[];
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  non2xxSamples: Array<{ status: number; body: string }>;
  durationS: number;
  window: { startMs: number; endMs: number };
  loadAverage1m: number;
  serverCpuMs?: number;
  clientCpuMs: number;
  rss: Record<string, RssSummary>;
}

const KEPT_SAMPLES = 5;

/** A warm-up run (discarded), then the measured run, with the same settings. */
export async function runLoad(target: LoadTarget, settings: LoadSettings): Promise<LoadResult> {
  await warmUp(target, settings);
  settings.log?.(`  ${target.title}: measuring ${settings.durationS} s with ${settings.connections} connections`);
  return aggregate([await runOnce(target, settings, settings.durationS)]);
}

/**
 * Several targets compared in one sitting: each warmed up once, then `rounds` rounds of
 * `durationS` measured seconds, every target once per round, the order alternating
 * (A B C, C B A, A B C...), so that a drift of the machine's load weighs on every target
 * alike. A target's rate is the median of its per-round rates; a ratio between two
 * targets is the median of their per-round ratios (report.ts, from `rounds`).
 */
export async function runInterleaved(targets: LoadTarget[], settings: LoadSettings): Promise<LoadResult[]> {
  for (const target of targets) await warmUp(target, settings);
  const runs: RawRun[][] = targets.map(() => []);
  for (let round = 0; round < settings.rounds; round++) {
    const order = round % 2 === 0 ? [...targets.keys()] : [...targets.keys()].reverse();
    for (const index of order) {
      settings.log?.(`  ${targets[index].title}: round ${round + 1}/${settings.rounds}, measuring ${settings.durationS} s with ${settings.connections} connections`);
      runs[index].push(await runOnce(targets[index], settings, settings.durationS));
    }
  }
  return runs.map((perRound) => {
    const pooled = aggregate(perRound);
    const rounds = perRound.map(roundOf);
    return { ...pooled, rps: { ...pooled.rps, median: round(median(rounds.map((r) => r.rate)), 1) }, rounds };
  });
}

function roundOf(run: RawRun): RoundResult {
  const latency = latencyOf(run.latencies);
  return {
    rate: round(mean(run.perSecond), 1),
    p50: latency.p50,
    p99: latency.p99,
    ...(run.serverCpuMs === undefined ? {} : { serverCpuMsPerOk: round(run.serverCpuMs / Math.max(1, run.ok), 3) }),
  };
}

async function warmUp(target: LoadTarget, settings: LoadSettings): Promise<void> {
  if (settings.warmupS <= 0) return;
  settings.log?.(`  ${target.title}: warm-up ${settings.warmupS} s (discarded)`);
  await runOnce(target, settings, settings.warmupS);
}

function aggregate(runs: RawRun[]): LoadResult {
  const sum = (pick: (run: RawRun) => number) => runs.reduce((total, run) => total + pick(run), 0);
  const statusCodes: Record<string, number> = {};
  for (const run of runs) {
    for (const [code, count] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const latencies = runs.flatMap((run) => run.latencies);
  return {
    rps: throughputOf(runs.flatMap((run) => run.perSecond)),
    latencyMs: latencyOf(latencies),
    total: latencies.length,
    ok: sum((run) => run.ok),
    non2xx: sum((run) => run.non2xx),
    errors: sum((run) => run.errors),
    timeouts: sum((run) => run.timeouts),
    statusCodes,
    non2xxSamples: runs.flatMap((run) => run.non2xxSamples).slice(0, KEPT_SAMPLES),
    durationS: sum((run) => run.durationS),
    windows: runs.map((run) => run.window),
    loadAverage1m: runs.map((run) => run.loadAverage1m),
    serverCpuMsPerOk: runs.every((run) => run.serverCpuMs !== undefined)
      ? Math.round((sum((run) => run.serverCpuMs!) / Math.max(1, sum((run) => run.ok))) * 1000) / 1000
      : undefined,
    clientCpuPercent: Math.round(
      (sum((run) => run.clientCpuMs) / Math.max(1, sum((run) => run.window.endMs - run.window.startMs))) * 100,
    ),
    rss: mergeRss(runs.map((run) => run.rss)),
  };
}

/** Max of the maxima, median of the medians (weighted by nothing: runs are of equal length here). */
function mergeRss(windows: Array<Record<string, RssSummary>>): Record<string, RssSummary> {
  const names = new Set(windows.flatMap((window) => Object.keys(window)));
  return Object.fromEntries(
    [...names].map((name) => {
      const parts = windows.map((window) => window[name]).filter((part): part is RssSummary => part !== undefined);
      return [
        name,
        {
          maxMb: Math.max(...parts.map((part) => part.maxMb)),
          medianMb: round(median(parts.map((part) => part.medianMb)), 1),
          samples: parts.reduce((total, part) => total + part.samples, 0),
        },
      ];
    }),
  );
}

async function runOnce(target: LoadTarget, settings: LoadSettings, durationS: number): Promise<RawRun> {
  const non2xxSamples: Array<{ status: number; body: string }> = [];
  const requests = target.requests().map((request) => {
    const inner = typeof request.onResponse === 'function' ? request.onResponse : undefined;
    const onResponse: NonNullable<autocannon.Request['onResponse']> = (status, body, context, headers) => {
      if ((status < 200 || status > 299) && non2xxSamples.length < KEPT_SAMPLES) {
        non2xxSamples.push({ status, body: body.slice(0, 500) });
      }
      inner?.(status, body, context, headers);
    };
    return { ...request, onResponse };
  });

  const latencies: number[] = [];
  const perSecond: number[] = [];
  let started = 0;
  let finished = 0;
  let ok = 0;
  let cpuAtStart: number | undefined;
  let cpuAtEnd: number | undefined;
  let clientCpuAtStart = process.cpuUsage();
  let clientCpuMs = 0;
  let stopRss: (() => Record<string, RssSummary>) | undefined;
  let rss: Record<string, RssSummary> = {};

  const result = await withTimeout(
    new Promise<autocannon.Result>((resolve, reject) => {
      const instance = autocannon(
        {
          url: target.url,
          connections: settings.connections,
          duration: durationS,
          headers: target.headers,
          requests,
          timeout: 10,
        },
        (error: unknown, outcome: autocannon.Result) => (error ? reject(error) : resolve(outcome)),
      );
      instance.on('start', () => {
        started = performance.now();
        cpuAtStart = target.pid === undefined ? undefined : cpuTimeMs(target.pid);
        clientCpuAtStart = process.cpuUsage();
        stopRss = sampleRss();
      });
      instance.on('done', () => {
        rss = stopRss?.() ?? {};
        finished = performance.now();
        cpuAtEnd = target.pid === undefined ? undefined : cpuTimeMs(target.pid);
        const used = process.cpuUsage(clientCpuAtStart);
        clientCpuMs = (used.user + used.system) / 1000;
      });
      instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
        if (started === 0) started = performance.now();
        latencies.push(responseTime);
        if (statusCode >= 200 && statusCode <= 299) {
          ok++;
          const second = Math.floor((performance.now() - started) / 1000);
          perSecond[second] = (perSecond[second] ?? 0) + 1;
        }
      });
    }),
    (durationS + 40) * 1000,
    `load run "${target.title}"`,
  );

  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = Number((stat as { count: number | string }).count);
  }
  return {
    // Whole seconds only: the last, partial one (and anything after the end) is dropped.
    perSecond: Array.from({ length: Math.max(1, Math.floor(durationS)) }, (_, second) => perSecond[second] ?? 0),
    latencies,
    ok,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    non2xxSamples,
    durationS: result.duration,
    window: { startMs: performance.timeOrigin + started, endMs: performance.timeOrigin + (finished || performance.now()) },
    loadAverage1m: Math.round(loadavg()[0] * 100) / 100,
    serverCpuMs: cpuAtStart !== undefined && cpuAtEnd !== undefined ? cpuAtEnd - cpuAtStart : undefined,
    clientCpuMs,
    rss,
  };
}
