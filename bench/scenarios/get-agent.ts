import { Redis } from 'ioredis';
import { GENERATION_KEY, viewKeys } from '../../apps/read-agent/src/redis-views/redis-layout.js';
import { findRedisBenchmark, runRedisBenchmark } from '../baselines/redis-benchmark.js';
import { withTimeout } from '../lib/lifecycle.js';
import { noRedisAnswers, redisGets, type RedisAnswers } from '../lib/path-rotation.js';
import { rateRatio } from '../lib/report.js';
import { round } from '../lib/stats.js';
import { awaitProjected, postJson } from './fixtures.js';
import { measurementOf, type BenchContext, type Measurement, type Scenario } from './scenario.js';

const SCENARIO = 'GetAgent';
const TARGET_RATIO = 0.85;

/**
 * GetAgent from Redis: GET /agents/:id on the read agent, each request to the next of the
 * 100 bench agents, once their views (task counts included) are projected. Every answer
 * must be 200 with X-Data-Source: redis. Measured interleaved with (a) a bare node:http +
 * ioredis server running the same Lua read, then (d) redis-benchmark: GET of one view key,
 * and EVALSHA of the agent's read script with the agent's arguments.
 */
export const getAgentScenario: Scenario = {
  name: 'get-agent',
  description: 'GetAgent from Redis on the read agent vs (a) bare node:http + ioredis (same Lua read) and (d) redis-benchmark',
  async run(context) {
    const base = { scenario: SCENARIO, unit: 'queries/s' } as const;
    const redisUrl = context.stores.redisUrl;
    if (!redisUrl) {
      return [{ ...base, id: 'get-agent/agent', target: 'read agent', role: 'agent', skipped: 'no Redis: GetAgent is not served from Redis' }];
    }
    const readAgent = await context.readAgent();
    const ids = await context.benchAgents();
    const paths = await projectedAgentPaths(context, 'get-agent');

    const checks: RedisAnswers[] = [];
    const headers = { authorization: `Bearer ${context.readToken}` };

    const bare = await context.startNodeService({
      name: 'baseline (a) bare node:http + ioredis',
      entry: 'bench/baselines/bare-get-agent-server.js',
      env: { REDIS_URL: redisUrl, AUTH_JWT_SECRET: context.agentEnv(context.stores).AUTH_JWT_SECRET },
      readyPath: '/health/ready',
    });
    const measurements: Measurement[] = [];
    try {
      const onAgentCheck = noRedisAnswers();
      const onBareCheck = noRedisAnswers();
      checks.push(onAgentCheck, onBareCheck);
      const [onAgent, onBare] = await context.compare([
        { title: `${SCENARIO} -> read agent`, url: readAgent.url, pid: readAgent.pid, headers, requests: redisGets(paths, onAgentCheck) },
        { title: `${SCENARIO} -> (a) node:http + ioredis`, url: bare.url, pid: bare.pid, headers, requests: redisGets(paths, onBareCheck) },
      ]);
      const agentMeasurement = measurementOf(
        {
          ...base,
          id: 'get-agent/agent',
          target: 'read agent',
          role: 'agent',
          baselines: ['get-agent/bare-node-ioredis', 'get-agent/redis-benchmark-get', 'get-agent/redis-benchmark-evalsha'],
          notes: [`${paths.length} agents in rotation; every answer checked: 200 with X-Data-Source: redis`],
        },
        onAgent,
        true,
      );
      const bareMeasurement = measurementOf(
        {
          ...base,
          id: 'get-agent/bare-node-ioredis',
          target: '(a) node:http + ioredis',
          role: 'baseline',
          unit: 'req/s',
          notes: ["the read agent's own Lua read script by EVALSHA (generation, view, checkpoint), JSON.parse + ETag, view sent as stored"],
        },
        onBare,
        true,
      );
      for (const [measurement, check] of [
        [agentMeasurement, onAgentCheck],
        [bareMeasurement, onBareCheck],
      ] as const) {
        measurement.details = { ...measurement.details, answersFromRedis: check.redis, otherAnswers: check.other };
        if (check.other > 0) {
          measurement.failed = `${check.other} answers were not 200 from Redis (of ${check.redis + check.other}, warm-ups included): ${check.samples.join(' | ')}`;
        }
      }
      const { ratio } = rateRatio(agentMeasurement, bareMeasurement);
      agentMeasurement.goal = {
        text: `rate ratio vs (a) >= ${TARGET_RATIO}`,
        value: ratio === undefined ? '-' : round(ratio, 2).toFixed(2),
        met: ratio === undefined ? undefined : ratio >= TARGET_RATIO,
      };
      measurements.push(agentMeasurement, bareMeasurement);
    } finally {
      await bare.stop();
    }

    measurements.push(...(await redisBenchmarkBaselines(context, redisUrl, readAgent.url, ids[0])));
    return measurements;
  },
};

/**
 * The bench agents' GET paths, once the read agent serves them from Redis with their
 * final views. A command answered after every earlier one has a position that covers all
 * the bench agents' events (registrations and the tasks of earlier scenarios), so once
 * the read agent answers from Redis at that position, the views are final for a load.
 */
export async function projectedAgentPaths(context: BenchContext, purpose: string): Promise<string[]> {
  const [writeAgent, readAgent] = await Promise.all([context.writeAgent(), context.readAgent()]);
  const paths = (await context.benchAgents()).map((id) => `/agents/${id}`);
  context.log('waiting until the bench agents are projected (X-Min-Position)...');
  const sentinel = await postJson<{ position: string }>(`${writeAgent.url}/agents`, context.token, {
    name: `bench-${context.runTag}-${purpose}-sentinel`,
    version: '1.0.0',
  });
  await withTimeout(awaitProjected(readAgent.url, context.readToken, paths, sentinel.position), 60_000, 'waiting for the projections');
  return paths;
}

/**
 * (d) redis-benchmark, 50 clients, about the same duration: GET of one agent's view key
 * (the floor), and EVALSHA of the read agent's script with the arguments it sends for that
 * agent (captured with MONITOR during one GET /agents/:id), i.e. the same Redis work
 * per query without HTTP or Node.
 */
async function redisBenchmarkBaselines(context: BenchContext, redisUrl: string, readAgentUrl: string, agentId: string): Promise<Measurement[]> {
  const binary = findRedisBenchmark();
  const get = { id: 'get-agent/redis-benchmark-get', scenario: SCENARIO, target: '(d) redis-benchmark GET', role: 'baseline', unit: 'req/s' } as const;
  const evalsha = {
    id: 'get-agent/redis-benchmark-evalsha',
    scenario: SCENARIO,
    target: "(d) redis-benchmark EVALSHA (the agent's read)",
    role: 'baseline',
    unit: 'req/s',
  } as const;
  if (!binary) return [get, evalsha].map((base) => ({ ...base, skipped: 'redis-benchmark not found on PATH' }));

  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  let getCommand: string[];
  let evalshaCommand: string[] | undefined;
  try {
    const generation = await redis.get(GENERATION_KEY);
    if (!generation) throw new Error('Redis has no projection generation');
    getCommand = ['GET', viewKeys(generation).agent(agentId)];
    evalshaCommand = await captureAgentRead(redis, readAgentUrl, context.readToken, agentId);
  } finally {
    redis.disconnect();
  }
  const measurements: Measurement[] = [];
  for (const [base, command] of [
    [get, getCommand],
    [evalsha, evalshaCommand],
  ] as const) {
    if (!command) {
      measurements.push({ ...base, skipped: "the read agent's EVALSHA was not seen by MONITOR" });
      continue;
    }
    const result = await runRedisBenchmark({
      binary,
      redisUrl,
      command,
      clients: context.config.connections,
      durationS: context.config.durationS,
      warmupS: context.config.warmupS,
      log: context.log,
    });
    measurements.push({
      ...base,
      rps: result.rps,
      latencyMs: result.latencyMs,
      ok: result.requests,
      notes: [`${result.requests} requests in ${result.seconds} s; one rate for the whole run (no per-second samples)`],
      details: { loadAverage1mAtEnd: result.loadAverage1m, command: result.command },
    });
  }
  return measurements;
}

/** The EVALSHA command (name and arguments) the read agent sends for one GET /agents/:id. */
async function captureAgentRead(redis: Redis, readAgentUrl: string, readToken: string, agentId: string): Promise<string[] | undefined> {
  const monitor = await redis.monitor();
  try {
    const seen = new Promise<string[] | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), 5_000);
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args[0]?.toLowerCase() === 'evalsha' && args.some((arg) => arg.endsWith(`:agent:${agentId}`))) {
          clearTimeout(timer);
          resolve(args);
        }
      });
    });
    // MONITOR is active once its reply came; the request follows.
    const response = await fetch(`${readAgentUrl}/agents/${agentId}`, { headers: { authorization: `Bearer ${readToken}` } });
    await response.arrayBuffer();
    const args = await seen;
    return args ? [args[0].toUpperCase(), ...args.slice(1)] : undefined;
  } finally {
    monitor.disconnect();
  }
}
