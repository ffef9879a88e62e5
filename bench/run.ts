/**
 * `npm run bench`: the benchmark suite (docs/benchmarks.md). Starts the stores (or uses DATABASE_URL / REDIS_URL), the write and read
 * agents as real processes (when a scenario needs them), runs every scenario of
 * scenarios/index.ts (or those BENCH_SCENARIOS names) with its baselines in the same
 * sitting, prints a table and writes bench/results/<timestamp>.json and latest.md.
 * Everything it starts is stopped at the end, on failure, on Ctrl-C and at the deadline.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { loadavg } from 'node:os';
import { mkdir, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { readConfig } from './lib/config.js';
import { isAborting, runGuarded, withTimeout } from './lib/lifecycle.js';
import { runInterleaved, runLoad } from './lib/load.js';
import { machineInfo } from './lib/machine.js';
import { RESULTS_DIR, ROOT } from './lib/paths.js';
import { startNodeService, type NodeService } from './lib/processes.js';
import { goalLines, ratiosOf, textTable, writeReport, type BenchReport } from './lib/report.js';
import { checkBaselineSql, type SqlCheck } from './lib/sql-check.js';
import { rssOfRun, trackRss } from './lib/rss.js';
import { prepareStores } from './lib/stores.js';
import { makeTempDir, removeStaleTempDirs } from './lib/temp-dirs.js';
import { newJwtSecret, signBenchToken } from './lib/token.js';
import { registerBenchAgents } from './scenarios/fixtures.js';
import { CURVES_SCENARIO, SCENARIOS } from './scenarios/index.js';
import type { BenchContext, Measurement } from './scenarios/scenario.js';
import { summarizeProfileFile } from './tools/cpuprofile-summary.js';

const log = (line: string) => console.log(line);

/** The write agent's settings under load: logs on (to a file), auth on, rate limit on but out of reach. */
const RATE_LIMIT_PER_MINUTE = '100000000';

async function main(): Promise<void> {
  const config = readConfig();
  const machine = machineInfo(); // load average before anything starts
  const startedAt = new Date().toISOString();
  const known = [...SCENARIOS, CURVES_SCENARIO];
  const chosen = config.scenarios
    ? config.scenarios.map((name) => {
        const scenario = known.find((candidate) => candidate.name === name);
        if (!scenario) throw new Error(`BENCH_SCENARIOS: unknown scenario "${name}" (known: ${known.map((s) => s.name).join(', ')})`);
        return scenario;
      })
    : SCENARIOS;
  // BENCH_CURVES=1 adds the curves, last: they plot some rows of the scenarios before them.
  const scenarios = config.curves && !chosen.includes(CURVES_SCENARIO) ? [...chosen, CURVES_SCENARIO] : chosen;

  log(`bench: node ${machine.node}, ${machine.cpuCount} CPUs, load average ${machine.loadAverageBefore.join(' / ')}`);
  log(
    `bench: ${config.connections} connections, ${config.warmupS} s warm-up + ${config.rounds} rounds x ${config.durationS} s per compared target, deadline ${config.deadlineS} s`,
  );

  await removeStaleTempDirs(log);
  const workDir = await makeTempDir('work');
  const runTag = randomBytes(4).toString('hex');
  const secret = newJwtSecret();
  const token = await signBenchToken(secret);
  const readToken = await signBenchToken(secret, 'bench-reader', 'queries:read');
  const stores = await prepareStores(config, log);

  const profileDir = join(RESULTS_DIR, 'profiles', startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z'));
  const agentEnv: BenchContext['agentEnv'] = (target) => {
    const env: Record<string, string> = {
      DATABASE_URL: target.primaryUrl,
      ...(target.replicaUrls && target.replicaUrls.length > 0 ? { DATABASE_REPLICA_URLS: target.replicaUrls.join(',') } : {}),
      ...(target.redisUrl ? { REDIS_URL: target.redisUrl } : {}),
      AUTH_JWT_SECRET: secret,
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE,
    };
    for (const [name, value] of Object.entries(config.agentEnvOverrides)) {
      if (value === '') delete env[name];
      else env[name] = value;
    }
    return env;
  };
  const experiment = Object.keys(config.agentEnvOverrides).length > 0;
  if (experiment) log(`bench: EXPERIMENT, agent environment overridden: ${process.env.BENCH_AGENT_ENV}`);
  const startService: BenchContext['startNodeService'] = (spec) =>
    startNodeService({ ...spec, logFile: join(workDir, `${spec.name.replace(/[^a-z0-9]+/gi, '-')}.log`) });

  let sqlCheck: SqlCheck = { status: 'skipped', detail: 'BENCH_SQL_CHECK=0' };
  if (config.sqlCheck) {
    log('checking that the baselines replay the SQL the write agent sends...');
    sqlCheck = await withTimeout(
      checkBaselineSql(
        stores,
        (databaseUrl) =>
          startService({
            name: 'write-agent-sql-check',
            entry: 'apps/write-agent/src/main.js',
            env: agentEnv({ primaryUrl: databaseUrl, redisUrl: stores.redisUrl }),
            readyPath: '/health/ready',
          }),
        token,
        runTag,
      ),
      90_000,
      'the SQL check',
    ).catch((error: unknown): SqlCheck => ({ status: 'error', detail: error instanceof Error ? error.message : String(error) }));
    log(`  ${sqlCheck.status}: ${sqlCheck.detail}`);
  }

  const settings = { connections: config.connections, durationS: config.durationS, warmupS: config.warmupS, rounds: config.rounds, log };
  let writeAgent: Promise<NodeService> | undefined;
  let readAgent: Promise<NodeService> | undefined;
  const measuredWindows: Array<{ url: string; startMs: number; endMs: number }> = [];
  let benchAgents: Promise<string[]> | undefined;
  const context: BenchContext = {
    config,
    stores,
    workDir,
    runTag,
    token,
    readToken,
    writeAgent: () => {
      writeAgent ??= (async () => {
        log('starting the write agent...');
        const dir = join(profileDir, 'write-agent');
        if (config.cpuProfile) await mkdir(dir, { recursive: true });
        const started = await startService({
          name: 'write-agent',
          entry: 'apps/write-agent/src/main.js',
          env: agentEnv({ primaryUrl: stores.primaryUrl, redisUrl: stores.redisUrl }),
          nodeArgs: config.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [],
          readyPath: '/health/ready',
        });
        trackRss('write agent', started.pid);
        return started;
      })();
      return writeAgent;
    },
    readAgent: () => {
      readAgent ??= (async () => {
        log('starting the read agent...');
        const dir = join(profileDir, 'read-agent');
        if (config.cpuProfile) await mkdir(dir, { recursive: true });
        const started = await startService({
          name: 'read-agent',
          entry: 'apps/read-agent/src/main.js',
          env: agentEnv(stores),
          nodeArgs: config.cpuProfile ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [],
          readyPath: '/health/ready',
        });
        trackRss('read agent', started.pid);
        return started;
      })();
      return readAgent;
    },
    agentEnv,
    benchAgents: () => {
      benchAgents ??= (async () => {
        const agent = await context.writeAgent();
        log('registering 100 bench agents...');
        return registerBenchAgents(agent.url, token, runTag);
      })();
      return benchAgents;
    },
    startNodeService: startService,
    load: async (target, overrides) => {
      const result = await runLoad(target, { ...settings, ...overrides });
      measuredWindows.push(...result.windows.map((window) => ({ url: target.url, ...window })));
      return result;
    },
    compare: async (targets) => {
      const results = await runInterleaved(targets, settings);
      results.forEach((result, index) =>
        measuredWindows.push(...result.windows.map((window) => ({ url: targets[index].url, ...window }))),
      );
      return results;
    },
    measurementsSoFar: () => measurements,
    log,
  };

  const measurements: Measurement[] = [];
  const failures: string[] = [];
  if (sqlCheck.status === 'error') failures.push(`the SQL check failed: ${sqlCheck.detail}`);
  for (const scenario of scenarios) {
    if (isAborting()) return;
    log(`\n== ${scenario.name}: ${scenario.description}`);
    try {
      const results = await scenario.run(context);
      measurements.push(...results);
      for (const result of results) {
        if (result.failed) failures.push(`${result.scenario} / ${result.target}: ${result.failed}`);
        const rate = result.rateText
          ? result.rateText
          : result.rps
            ? `${Math.round(result.rps.median)} ${result.unit} median`
            : result.skipped
              ? `skipped (${result.skipped})`
              : '';
        log(`  -> ${result.target}: ${rate}${result.latencyMs ? `, p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms` : ''}${result.failed ? '  FAILED' : ''}`);
      }
    } catch (error) {
      failures.push(`${scenario.name}: ${error instanceof Error ? error.message : String(error)}`);
      log(`  scenario failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  // Stopped in reverse order of need: the read agent first (its projector follows the write agent).
  const profiles: NonNullable<BenchReport['profiles']> = [];
  const agentLogs: Record<string, string> = {};
  for (const [name, started] of [
    ['read agent', readAgent],
    ['write agent', writeAgent],
  ] as const) {
    if (!started) continue;
    const agent = await started.catch(() => undefined);
    const code = await agent?.stop();
    if (agent && code !== 0) failures.push(`the ${name} exited with ${code} on SIGTERM (expected 0)`);
    if (!agent) continue;
    // Logging was on during the runs: one JSON access-log line per request.
    const counted = await countLines(agent.logFile, '"request completed"');
    agentLogs[name] = `${counted.matching} access-log lines, ${(counted.bytes / 2 ** 20).toFixed(1)} MiB`;
    if (counted.matching === 0 && !experiment) failures.push(`the ${name} wrote no access-log line: was logging on?`);
    if (config.cpuProfile) {
      const dir = join(profileDir, name.replace(' ', '-'));
      const file = (await readdir(dir).catch(() => [])).find((entry) => entry.endsWith('.cpuprofile'));
      if (!file) {
        failures.push(`BENCH_CPU_PROF: no .cpuprofile of the ${name} was written in ${dir}`);
        continue;
      }
      const path = join(dir, file);
      // Only the measured runs against the agent: not its start-up, fixtures, warm-ups or idle time.
      const windows = measuredWindows
        .filter((window) => window.url === agent.url)
        .map((window) => ({ fromMs: window.startMs - agent.startedAtMs, toMs: window.endMs - agent.startedAtMs }));
      profiles.push({ agent: name, file: relative(ROOT, path), windows, summary: await summarizeProfileFile(path, 15, windows) });
    }
  }
  // Memory of the shared agents over every load run (sampled while each ran).
  for (const [name, rss] of Object.entries(rssOfRun())) {
    measurements.push({
      id: `rss/${name.replace(' ', '-')}`,
      scenario: 'RSS (every load run)',
      target: name,
      role: 'agent',
      unit: 'MB',
      rateText: `max ${rss.maxMb} MB, median ${rss.medianMb} MB`,
      notes: [`VmRSS of /proc/<pid>/status every 250 ms during every load run against any target (${rss.samples} samples)`],
      details: { rssMb: rss },
    });
  }
  const agentSettings = (name: string) => ({
    LOG_LEVEL: 'info (to a file)',
    RATE_LIMIT_PER_MINUTE,
    auth: name === 'read agent' ? 'on (HS256 bearer token, scope queries:read)' : 'on (HS256 bearer token)',
    ...(name === 'write agent' ? { pool: 'max 20' } : { stores: 'primary, replicas, Redis' }),
    ...(agentLogs[name] ? { log: agentLogs[name] } : {}),
    ...(experiment ? { EXPERIMENT: `environment overridden by BENCH_AGENT_ENV: ${process.env.BENCH_AGENT_ENV}` } : {}),
  });

  const report: BenchReport = {
    startedAt,
    finishedAt: new Date().toISOString(),
    config: {
      durationS: config.durationS,
      warmupS: config.warmupS,
      rounds: config.rounds,
      curves: config.curves,
      connections: config.connections,
      scenarios: scenarios.map((scenario) => scenario.name),
      cpuProfile: config.cpuProfile,
    },
    machine: { ...machine, loadAverageAfter: loadavg().map((value) => Math.round(value * 100) / 100) },
    stores: { description: stores.description, postgres: stores.postgresVersion, redis: stores.redisVersion },
    writeAgent: agentSettings('write agent'),
    ...(readAgent ? { readAgent: agentSettings('read agent') } : {}),
    sqlCheck,
    measurements,
    ratios: ratiosOf(measurements),
    failures,
    ...(profiles.length > 0 ? { profiles } : {}),
  };
  const files = await writeReport(report, RESULTS_DIR);

  log(`\n${textTable(report)}\n`);
  if (sqlCheck.status === 'MISMATCH') log(`WARNING: baseline SQL check: ${sqlCheck.detail}\n`);
  for (const profile of profiles) log(`CPU profile of the ${profile.agent} (${profile.file}):\n${profile.summary}\n`);
  const goals = goalLines(report);
  if (goals.length > 0) log(`goals:\n${goals.join('\n')}\n`);
  log(`results: ${relative(ROOT, files.json)}, ${relative(ROOT, files.md)}`);
  if (failures.length > 0) {
    throw new Error(`${failures.length} problem(s):\n- ${failures.join('\n- ')}`);
  }
}

await runGuarded(main, { deadlineMs: deadlineOf(), log });

/** Size of a file and how many of its lines contain `needle`, read as a stream. */
async function countLines(file: string, needle: string): Promise<{ bytes: number; matching: number }> {
  let bytes = 0;
  let matching = 0;
  let rest = '';
  for await (const chunk of createReadStream(file, { encoding: 'utf8' })) {
    bytes += Buffer.byteLength(chunk as string);
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line.includes(needle)) matching++;
  }
  if (rest.includes(needle)) matching++;
  return { bytes, matching };
}

/** From the config; a malformed config fails inside main() with its own message. */
function deadlineOf(): number {
  try {
    return readConfig().deadlineS * 1000;
  } catch {
    return 600_000;
  }
}
