/** Everything a bench run can be told through the environment (docs/benchmarks.md). */
export interface BenchConfig {
  /** Measured seconds per load run (BENCH_DURATION, default 10). */
  durationS: number;
  /** Discarded warm-up seconds before each target's measured runs (BENCH_WARMUP, default 2). */
  warmupS: number;
  /** Interleaved measured rounds of durationS per target when targets are compared (BENCH_ROUNDS, default 3). */
  rounds: number;
  /** Also draw the curves (docs/benchmarks/*.svg) and fill a 100,000-task ListTasks table (BENCH_CURVES=1). */
  curves: boolean;
  /** Concurrent HTTP connections / pgbench clients (BENCH_CONNECTIONS, default 50). */
  connections: number;
  /** Scenario names to run (BENCH_SCENARIOS, comma-separated; default all). */
  scenarios: string[] | undefined;
  /** Start the write and read agents with --cpu-prof and summarize the profiles (BENCH_CPU_PROF=1). */
  cpuProfile: boolean;
  /**
   * ListTasks: rows of the large table (BENCH_LIST_ROWS, default 1000000) measured against
   * 10,000; 0 measures the 10,000-row table only.
   */
  listRows: number;
  /** Projection rebuild: events in the synthetic log (BENCH_REBUILD_EVENTS, default 100000). */
  rebuildEvents: number;
  /** Projection lag: SubmitTask commands per second on the write agent (BENCH_LAG_RATE, default 300). */
  lagRate: number;
  /** Relay: events in the backlog the relay publishes (BENCH_RELAY_EVENTS, default 100000). */
  relayEvents: number;
  /** Relay: tasks submitted for the three workers (BENCH_RELAY_TASKS, default 3000). */
  relayTasks: number;
  /** Compare the baseline's SQL with what the agent sends (BENCH_SQL_CHECK, default on). */
  sqlCheck: boolean;
  /** Hard limit for the whole run, seconds (BENCH_TIMEOUT, default computed). */
  deadlineS: number;
  /**
   * What-if experiments only (BENCH_AGENT_ENV="LOG_LEVEL=warn,RATE_LIMIT_PER_MINUTE=0"):
   * overrides of the agents' environment (write and read agents); an empty value removes the variable
   * (e.g. "REDIS_URL=" runs the agent without Redis). The report flags such runs.
   */
  agentEnvOverrides: Record<string, string>;
  /** External stores; the run starts its own when absent. */
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
}

function seconds(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min} (got "${raw}")`);
  return value;
}

function flag(name: string, fallback: boolean): boolean {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  return !['0', 'false', 'no', 'off'].includes(raw.toLowerCase());
}

export function readConfig(): BenchConfig {
  const durationS = Math.round(seconds('BENCH_DURATION', 10, 1));
  const warmupS = Math.round(seconds('BENCH_WARMUP', 2, 0));
  const rounds = Math.round(seconds('BENCH_ROUNDS', 3, 1));
  const curves = flag('BENCH_CURVES', false);
  const connections = Math.round(seconds('BENCH_CONNECTIONS', 50, 1));
  const scenarios = process.env.BENCH_SCENARIOS?.split(',').map((name) => name.trim()).filter(Boolean);
  // Store start-up, fixtures (the 1M-row ListTasks table, the rebuild's log), ~24 targets
  // of warm-up + rounds x duration, and the curves' ~200 s, with room to spare.
  const defaultDeadline = 300 + 24 * (warmupS + rounds * durationS + 5) + (curves ? 600 : 0);
  return {
    durationS,
    warmupS,
    rounds,
    curves,
    connections,
    scenarios: scenarios && scenarios.length > 0 ? scenarios : undefined,
    cpuProfile: flag('BENCH_CPU_PROF', false),
    listRows: Math.round(seconds('BENCH_LIST_ROWS', 1_000_000, 0)),
    rebuildEvents: Math.round(seconds('BENCH_REBUILD_EVENTS', 100_000, 1_000)),
    lagRate: Math.round(seconds('BENCH_LAG_RATE', 300, 10)),
    relayEvents: Math.round(seconds('BENCH_RELAY_EVENTS', 100_000, 2_000)),
    relayTasks: Math.round(seconds('BENCH_RELAY_TASKS', 3_000, 50)),
    sqlCheck: flag('BENCH_SQL_CHECK', true),
    deadlineS: seconds('BENCH_TIMEOUT', defaultDeadline, 30),
    agentEnvOverrides: parseOverrides(process.env.BENCH_AGENT_ENV ?? ''),
    databaseUrl: process.env.DATABASE_URL || undefined,
    redisUrl: process.env.REDIS_URL || undefined,
  };
}

function parseOverrides(raw: string): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const pair of raw.split(',').map((item) => item.trim()).filter(Boolean)) {
    const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(pair);
    if (!match) throw new Error(`BENCH_AGENT_ENV: "${pair}" is not NAME=value`);
    overrides[match[1]] = match[2];
  }
  return overrides;
}
