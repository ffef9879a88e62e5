import type { BenchConfig } from '../lib/config.js';
import type { LoadResult, LoadSettings, LoadTarget, RoundResult } from '../lib/load.js';
import type { NodeService, NodeServiceSpec } from '../lib/processes.js';
import type { Latency, Throughput } from '../lib/stats.js';
import type { Stores } from '../lib/stores.js';

/**
 * One row of the results: a target (an agent or a baseline) measured under one load.
 * Agent rows name the baseline rows they are compared with; the ratio is the median of
 * the per-round ratios when both were measured in the same interleaved rounds, else
 * agent median / baseline median.
 */
export interface Measurement {
  /** Unique in a run, e.g. 'submit-task/agent'. */
  id: string;
  /** Display name of the scenario, e.g. 'SubmitTask'. */
  scenario: string;
  /** What was measured, e.g. 'write agent' or '(b) node:http + pg'. */
  target: string;
  role: 'agent' | 'baseline';
  /** 'commands/s', 'queries/s', 'tx/s'... */
  unit: string;
  /** Ids of the baseline measurements this agent measurement is compared with. */
  baselines?: string[];
  rps?: Throughput;
  /** Interleaved measurements: each round (rate, p50, p99, CPU per answer). */
  rounds?: RoundResult[];
  latencyMs?: Latency;
  /** CPU time of the server process per successful answer (ms), when it is our process. */
  serverCpuMsPerRequest?: number;
  ok?: number;
  non2xx?: number;
  errors?: number;
  statusCodes?: Record<string, number>;
  /** Set when the target could not be measured (e.g. no pgbench on this machine). */
  skipped?: string;
  /** Set when the run broke a correctness rule (e.g. non-2xx answers): the bench fails. */
  failed?: string;
  /** Shown in the rate column instead of the rate (e.g. a measurement without one). */
  rateText?: string;
  /**
   * A target of the suite (docs/benchmarks.md), e.g. ratio vs (a) >= 0.7, and whether this
   * run met it. A missed goal is reported, not a failure of the run.
   */
  goal?: Goal;
  notes?: string[];
  details?: Record<string, unknown>;
}

export interface Goal {
  /** What is aimed at, e.g. 'rate ratio vs (a) >= 0.7'. */
  text: string;
  /** What this run measured, e.g. '0.74'. */
  value: string;
  /** Undefined when it could not be measured. */
  met: boolean | undefined;
}

export interface BenchContext {
  config: BenchConfig;
  stores: Stores;
  /** Scratch directory of this run (logs, scripts); removed at the end. */
  workDir: string;
  /** 8 hex digits unique to this run: prefixes the ids and names the bench creates. */
  runTag: string;
  /** HS256 token with scope 'commands:write queries:read'. */
  token: string;
  /** HS256 token with scope 'queries:read' only, for the read agents. */
  readToken: string;
  /** The write agent as a real process, started on first use and shared by scenarios. */
  writeAgent(): Promise<NodeService>;
  /** The 100 agents registered for the bench (ids: bench/scenarios/fixtures.ts). */
  benchAgents(): Promise<string[]>;
  /**
   * The read agent as a real process on the bench database (primary, replicas, Redis),
   * started on first use and shared by scenarios; profiled with BENCH_CPU_PROF.
   */
  readAgent(): Promise<NodeService>;
  /**
   * The environment of an agent as the bench runs it (auth on, LOG_LEVEL=info to a file,
   * rate limit on but out of reach, BENCH_AGENT_ENV applied): for scenarios that start
   * read agents of their own, on their own database.
   */
  agentEnv(stores: { primaryUrl: string; replicaUrls?: string[]; redisUrl?: string }): Record<string, string>;
  /** Starts a built Node program (under dist/) with its output in the work dir; stopped at the end. */
  startNodeService(spec: Omit<NodeServiceSpec, 'logFile'>): Promise<NodeService>;
  /**
   * One target: warm-up, then the measured autocannon run (configured connections and
   * durations, or `overrides`, e.g. the curves' connection counts).
   */
  load(target: LoadTarget, overrides?: Partial<Pick<LoadSettings, 'connections' | 'durationS' | 'warmupS'>>): Promise<LoadResult>;
  /**
   * Targets compared in one sitting (an agent and its baseline servers): each warmed up
   * once, then BENCH_ROUNDS rounds in alternating order (A B, B A, A B), same settings;
   * one result per target, with its rounds.
   */
  compare(targets: LoadTarget[]): Promise<LoadResult[]>;
  /** The measurements of the scenarios run before this one (the curves plot some of them). */
  measurementsSoFar(): Measurement[];
  log(line: string): void;
}

export interface Scenario {
  /** For BENCH_SCENARIOS, e.g. 'submit-task'. */
  name: string;
  description: string;
  run(context: BenchContext): Promise<Measurement[]>;
}

/** A measurement from an autocannon run; marked failed when `strict` and not everything was 2xx. */
export function measurementOf(
  base: Pick<Measurement, 'id' | 'scenario' | 'target' | 'role' | 'unit' | 'baselines' | 'notes'>,
  result: LoadResult,
  strict: boolean,
): Measurement {
  const measurement: Measurement = {
    ...base,
    rps: result.rps,
    ...(result.rounds ? { rounds: result.rounds } : {}),
    latencyMs: result.latencyMs,
    serverCpuMsPerRequest: result.serverCpuMsPerOk,
    ok: result.ok,
    non2xx: result.non2xx,
    errors: result.errors,
    statusCodes: result.statusCodes,
    details: {
      loadAverage1mAtEnd: result.loadAverage1m,
      loadGeneratorCpuPercent: result.clientCpuPercent,
      ...(result.rss && Object.keys(result.rss).length > 0 ? { agentRssMb: result.rss } : {}),
    },
  };
  if (result.ok === 0) measurement.failed = 'no successful response at all';
  if (strict && (result.non2xx > 0 || result.errors > 0)) {
    const samples = result.non2xxSamples.map((sample) => `${sample.status} ${sample.body}`).join('\n    ');
    measurement.failed =
      `${result.non2xx} non-2xx answers and ${result.errors} errors (${result.timeouts} timeouts); ` +
      `status codes ${JSON.stringify(result.statusCodes)}${samples ? `; first answers:\n    ${samples}` : ''}`;
  }
  if (result.non2xxSamples.length > 0) measurement.details = { ...measurement.details, non2xxSamples: result.non2xxSamples };
  return measurement;
}
