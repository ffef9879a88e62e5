import { Agent, request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { runPaced, type PacedResult } from '../lib/paced.js';
import { latencyOf, percentile, round } from '../lib/stats.js';
import { authHeaders } from './fixtures.js';
import { measurementOf, type BenchContext, type Measurement, type Scenario } from './scenario.js';

const SCENARIO = 'Projection lag';
const SAMPLE_EVERY = 5;
const POLL_GAP_MS = 2;
const GIVE_UP_MS = 5_000;
const TARGET_LAG_P99_MS = 15;
const TARGET_WRITE_P99_MS = 15;
const TARGET_RSS_MB = 120;

export interface LagOptions {
  rate: number;
  durationS: number;
  warmupS: number;
  /** Polling gap after each answer that is not yet from Redis, ms. */
  pollGapMs: number;
  /** Every how many measured 201s one is followed. */
  sampleEvery: number;
}

interface Sample {
  /** Epoch ms when the SubmitTask answer (the commit) arrived. */
  committedAt: number;
  /** ms from the commit to the first 200 from Redis: upper bound (that answer's arrival). */
  lagMs?: number;
  /** ms from the commit to when that GET was sent: lower bound. */
  lagSentMs?: number;
  polls: number;
  /** ms from the commit to a 200 from the replica, when one came before Redis had the view. */
  replicaFirstMs?: number;
  /** Round trip of one more GET of the same task once visible: the read's own share of lagMs. */
  readRttMs?: number;
  timedOut?: boolean;
  error?: string;
}

/**
 * Projection lag under a steady load: SubmitTask at a fixed rate (BENCH_LAG_RATE, 300/s)
 * on the write agent, open loop and evenly paced (bench/lib/paced.ts), while for every 5th command a
 * poller, on a keep-alive agent of its own, asks the read agent for GET /tasks/:id (no
 * X-Min-Position) every 2 ms from the moment the command's 201 arrived until it answers
 * 200 with X-Data-Source: redis. Lag = that answer's arrival - the 201's arrival.
 * The RSS of both agents is sampled during the run.
 */
export const projectionLagScenario: Scenario = {
  name: 'projection-lag',
  description: 'commit -> visible in Redis on the read agent, SubmitTask at a fixed rate',
  async run(context) {
    const rate = context.config.lagRate;
    if (!context.stores.redisUrl) {
      return [{ id: 'projection-lag/lag', scenario: SCENARIO, target: 'commit -> GET /tasks/:id from Redis', role: 'agent', unit: 'ms', skipped: 'no Redis' }];
    }
    const { commands, lag, result } = await measureLag(context, {
      rate,
      durationS: context.config.durationS,
      warmupS: context.config.warmupS,
      pollGapMs: POLL_GAP_MS,
      sampleEvery: SAMPLE_EVERY,
    });
    const lagP99 = lag.latencyMs?.p99;
    lag.goal = {
      text: `p99 < ${TARGET_LAG_P99_MS} ms`,
      value: lagP99 === undefined ? '-' : `${lagP99.toFixed(1)} ms`,
      met: lagP99 === undefined ? undefined : lagP99 < TARGET_LAG_P99_MS,
    };
    const writeP99 = commands.latencyMs?.p99;
    commands.goal = {
      text: `write p99 < ${TARGET_WRITE_P99_MS} ms at ${rate}/s`,
      value: writeP99 === undefined ? '-' : `${writeP99.toFixed(1)} ms`,
      met: writeP99 === undefined ? undefined : writeP99 < TARGET_WRITE_P99_MS,
    };
    const rss = result.rss ?? {};
    const names = Object.keys(rss);
    const worst = names.length > 0 ? Math.max(...names.map((name) => rss[name].maxMb)) : undefined;
    const memory: Measurement = {
      id: 'projection-lag/rss',
      scenario: SCENARIO,
      target: 'RSS of the agents during this load',
      role: 'agent',
      unit: 'MB',
      rateText: names.length > 0 ? names.map((name) => `${name} max ${rss[name].maxMb} MB (median ${rss[name].medianMb})`).join('; ') : 'not sampled (no /proc)',
      notes: ['VmRSS of /proc/<pid>/status every 250 ms during the measured run'],
      details: { rssMb: rss },
      goal: {
        text: `max RSS < ${TARGET_RSS_MB} MB per agent`,
        value: worst === undefined ? '-' : `${worst} MB`,
        met: worst === undefined ? undefined : worst < TARGET_RSS_MB,
      },
    };
    return [commands, lag, memory];
  },
};

/**
 * One paced run at `options.rate` on the shared write agent with the lag polled on the
 * shared read agent: the command row and the lag row (no goals), and the paced result.
 */
export async function measureLag(
  context: BenchContext,
  options: LagOptions,
): Promise<{ commands: Measurement; lag: Measurement; result: PacedResult }> {
  const { rate, sampleEvery, pollGapMs } = options;
  const [writeAgent, readAgent] = await Promise.all([context.writeAgent(), context.readAgent()]);
  const agentIds = await context.benchAgents();
  const bodies = agentIds.map((agentId) => JSON.stringify({ agentId, type: 'bench.lag', payload: { n: 1 } }));

  const reader = new URL(readAgent.url);
  const keepAlive = new Agent({ keepAlive: true, maxSockets: 64 });
  const readHeaders = { authorization: `Bearer ${context.readToken}` };
  const getTask = (id: string) =>
    new Promise<{ status: number; source: string | undefined }>((resolve, reject) => {
      const request = httpRequest(
        { host: reader.hostname, port: reader.port, path: `/tasks/${id}`, method: 'GET', agent: keepAlive, headers: readHeaders },
        (response) => {
          response.resume();
          response.on('end', () => resolve({ status: response.statusCode ?? 0, source: response.headers['x-data-source'] as string | undefined }));
          response.on('error', reject);
        },
      );
      request.setTimeout(GIVE_UP_MS, () => request.destroy(new Error('GET timed out')));
      request.on('error', reject);
      request.end();
    });

  const samples: Sample[] = [];
  const polls: Array<Promise<void>> = [];
  const poll = async (id: string, sample: Sample) => {
    try {
      for (;;) {
        const sentAt = performance.timeOrigin + performance.now();
        const answer = await getTask(id);
        const at = performance.timeOrigin + performance.now();
        sample.polls++;
        if (answer.status === 200 && answer.source === 'replica' && sample.replicaFirstMs === undefined) {
          sample.replicaFirstMs = at - sample.committedAt;
        }
        if (answer.status === 200 && answer.source === 'redis') {
          sample.lagMs = at - sample.committedAt;
          sample.lagSentMs = sentAt - sample.committedAt;
          const again = performance.now();
          await getTask(id);
          sample.readRttMs = performance.now() - again;
          return;
        }
        if (sentAt - sample.committedAt > GIVE_UP_MS) {
          sample.timedOut = true;
          return;
        }
        await sleep(pollGapMs);
      }
    } catch (error) {
      sample.error = error instanceof Error ? error.message : String(error);
    }
  };

  let answered = 0;
  const result = await runPaced(
    {
      title: `SubmitTask at ${rate}/s -> write agent, GET /tasks/:id -> read agent`,
      url: writeAgent.url,
      method: 'POST',
      path: '/tasks',
      headers: authHeaders(context.token),
      body: (n) => bodies[n % bodies.length],
      pid: writeAgent.pid,
      onResponse: (status, body, measured) => {
        if (!measured || status !== 201 || ++answered % sampleEvery !== 0) return;
        const committedAt = performance.timeOrigin + performance.now();
        const id = (JSON.parse(body) as { id: string }).id;
        const sample: Sample = { committedAt, polls: 0 };
        samples.push(sample);
        polls.push(poll(id, sample));
      },
    },
    { rate, durationS: options.durationS, warmupS: options.warmupS, log: context.log },
  );
  await Promise.all(polls);
  keepAlive.destroy();

  const seen = samples.filter((sample) => sample.lagMs !== undefined);
  const lost = samples.filter((sample) => sample.lagMs === undefined);
  const lags = seen.map((sample) => sample.lagMs!);
  const lowerBounds = seen.map((sample) => sample.lagSentMs!);

  const commands = measurementOf(
    {
      id: `projection-lag/commands-${rate}-${pollGapMs}ms`,
      scenario: SCENARIO,
      target: `write agent, SubmitTask paced at ${rate}/s`,
      role: 'agent',
      unit: 'commands/s',
      notes: [
        `open loop, paced: a request every ${round(1000 / rate, 2)} ms on keep-alive connections (bench/lib/paced.ts); p50/p99 = command latency from when each request was due`,
      ],
    },
    result,
    true,
  );
  commands.details = {
    ...commands.details,
    // Where the time before the server went: the bench's own event loop, or no free connection.
    sendDelayMs: result.sendDelayMs,
    benchEventLoopDelayMs: result.benchEventLoopDelayMs,
  };
  const lag: Measurement = {
    id: `projection-lag/lag-${rate}-${pollGapMs}ms`,
    scenario: SCENARIO,
    target: `commit -> GET /tasks/:id 200 from Redis, polled every ${pollGapMs} ms`,
    role: 'agent',
    unit: 'ms',
    rateText: `${seen.length} samples (every ${sampleEvery}th command)`,
    latencyMs: seen.length > 0 ? latencyOf(lags) : undefined,
    ok: seen.length,
    notes: [
      `p50/p99 = lag from the 201's arrival to the arrival of the first 200 with X-Data-Source: redis, polling every ${pollGapMs} ms (plus the GET's own round trip) on a keep-alive agent, no X-Min-Position`,
    ],
    details: {
      lowerBoundMs: seen.length > 0 ? { p50: round(percentile(lowerBounds, 50), 2), p99: round(percentile(lowerBounds, 99), 2) } : undefined,
      readRoundTripMs:
        seen.length > 0 ? { p50: round(percentile(seen.map((s) => s.readRttMs ?? NaN), 50), 2), p99: round(percentile(seen.map((s) => s.readRttMs ?? NaN), 99), 2) } : undefined,
      replicaBeforeRedis: seen.filter((sample) => sample.replicaFirstMs !== undefined).length,
      pollsPerSample: seen.length > 0 ? { p50: percentile(seen.map((s) => s.polls), 50), p99: percentile(seen.map((s) => s.polls), 99) } : undefined,
      notSeen: lost.length,
      firstErrors: lost.slice(0, 5).map((sample) => sample.error ?? (sample.timedOut ? `not in Redis after ${GIVE_UP_MS} ms` : 'unknown')),
    },
  };
  if (seen.length > 0) {
    const rtts = seen.map((sample) => sample.readRttMs ?? NaN).filter(Number.isFinite);
    lag.notes!.push(
      `lower bound (the successful GET's send time): p50 ${round(percentile(lowerBounds, 50), 1)} ms, p99 ${round(percentile(lowerBounds, 99), 1)} ms; ` +
        `a GET of a visible task took p50 ${round(percentile(rtts, 50), 1)} ms, p99 ${round(percentile(rtts, 99), 1)} ms; ` +
        `polls per sample p50 ${percentile(seen.map((sample) => sample.polls), 50)}, p99 ${percentile(seen.map((sample) => sample.polls), 99)}; ` +
        `${seen.filter((sample) => sample.replicaFirstMs !== undefined).length} of ${seen.length} tasks were served by the replica (Redis miss) before Redis had them`,
    );
  }
  if (seen.length === 0) lag.failed = 'no sampled command became visible';
  else if (lost.length > 0) lag.failed = `${lost.length} of ${samples.length} sampled commands were not seen in Redis within ${GIVE_UP_MS} ms`;
  return { commands, lag, result };
}
