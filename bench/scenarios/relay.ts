import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { Connection, type AsyncMessage } from 'rabbitmq-client';
import { EVENTS_EXCHANGE, eventsExchangeDeclaration } from '@app/domain';
import { withClient } from '@app/local-stack';
import { createScratchDatabase } from '../lib/databases.js';
import { defer, withTimeout } from '../lib/lifecycle.js';
import { runPaced } from '../lib/paced.js';
import type { NodeService } from '../lib/processes.js';
import { runNodeOnce } from '../lib/processes.js';
import { latencyOf, round, throughputOf } from '../lib/stats.js';
import { writeSyntheticLog } from '../lib/synthetic-log.js';
import { authHeaders, postJson, registerBenchAgents } from './fixtures.js';
import type { BenchContext, Measurement, Scenario } from './scenario.js';

const SCENARIO = 'Relay';
const MACHINE_BROKER = 'amqp://guest:guest@127.0.0.1:5672';
/** The relay's default batch (RELAY_BATCH_SIZE, apps/write-agent/src/relay/relay.config.ts), set explicitly on the agent and the baseline alike. */
const RELAY_BATCH = 1_000;
const TARGET_EVENTS_PER_S = 10_000;
const TARGET_P99_MS = 50;
const WORKERS = 3;
const WORKER_CONCURRENCY = 8;
const SUBMITTERS = 50;
/**
 * Agents registered at the start of the backlog (10, not the synthetic log's default 1,000):
 * the relay declares a quorum work queue per AgentRegistered, and 1,000 quorum queues took
 * 17 s to declare on a 2-CPU machine and starved the broker's file handles (ulimit 1024).
 */
const BACKLOG_AGENTS = 10;
const COMPLETION_POLL_MS = 50;
/** How long a paced command's TaskSubmitted may take to reach the consumer before it counts as lost. */
const GIVE_UP_MS = 5_000;

const run = promisify(execFile);
const now = () => performance.timeOrigin + performance.now();
const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

interface Broker {
  url: string;
  /** What the notes say about it. */
  description: string;
  /** The vhost (ours, deleted at the end) or undefined on an external AMQP_URL. */
  vhost?: string;
}

/**
 * The relay (apps/write-agent/src/relay) and the workers behind it (libs/agent-worker),
 * against the machine's RabbitMQ in vhosts of the run's own (or AMQP_URL / BENCH_AMQP_URL):
 *
 * 1. Throughput on a backlog: a scratch database with a synthetic log of
 *    BENCH_RELAY_EVENTS (100,000) events, then a write agent with AMQP_URL started on it.
 *    A consumer bound to `#` on agent-fleet.events (declared before the agent starts)
 *    counts distinct messageIds; rate = events / (100,000th distinct message at the
 *    consumer - the relay's "relay lease won" log line). Baseline in the same sitting:
 *    bench/baselines/bare-relay-publisher.ts, the same log read in batches of the relay's
 *    size and the same messages published with confirms by the same client library.
 * 2. Commit -> consumer latency: SubmitTask paced at BENCH_LAG_RATE (300/s) on a write
 *    agent of its own with AMQP_URL (scratch database), a consumer bound to
 *    task.TaskSubmitted.#; latency = the message's arrival - the 201's arrival, matched by
 *    task id.
 * 3. Tasks/s end to end: three workers (runWorker, concurrency 8, a handler that returns at
 *    once) of one agent, each in a child process (bench/programs/agent-worker-process.ts);
 *    BENCH_RELAY_TASKS (3,000) SubmitTask from 50 concurrent clients; time from the first
 *    submission to the poll that sees them all completed.
 */
export const relayScenario: Scenario = {
  name: 'relay',
  description: 'relay throughput on a backlog vs a bare publisher, commit -> consumer latency, tasks/s through three workers',
  async run(context) {
    const rows = {
      backlog: { id: 'relay/backlog', scenario: SCENARIO, target: 'relay, backlog with confirms', role: 'agent', unit: 'events/s', baselines: ['relay/backlog-bare'] },
      bare: { id: 'relay/backlog-bare', scenario: SCENARIO, target: '(b) bare rabbitmq-client publisher + pg', role: 'baseline', unit: 'events/s' },
      latency: { id: 'relay/latency', scenario: SCENARIO, target: `commit -> consumer, SubmitTask at ${context.config.lagRate}/s`, role: 'agent', unit: 'ms' },
      workers: { id: 'relay/workers', scenario: SCENARIO, target: `${WORKERS} workers x ${WORKER_CONCURRENCY} of one agent`, role: 'agent', unit: 'tasks/s' },
    } satisfies Record<string, Measurement>;
    const all = (fields: Partial<Measurement>): Measurement[] => Object.values(rows).map((row) => ({ ...row, ...fields }));

    const absent = await brokerAbsence();
    if (absent) return all({ skipped: absent });

    const results: Measurement[] = [];
    try {
      const broker = await brokerFor(context, 'backlog');
      try {
        results.push(...(await backlogThroughput(context, broker, rows.backlog, rows.bare)));
      } finally {
        await broker.remove();
      }
    } catch (error) {
      results.push({ ...rows.backlog, failed: errorText(error) }, { ...rows.bare, failed: errorText(error) });
    }
    const broker = await brokerFor(context, 'tasks');
    try {
      results.push(...(await latencyAndWorkers(context, broker, rows.latency, rows.workers)));
    } catch (error) {
      results.push({ ...rows.latency, failed: errorText(error) }, { ...rows.workers, failed: errorText(error) });
    } finally {
      await broker.remove();
    }
    return results;
  },
};

/** Why there is no broker to measure against, or undefined when there is one. */
async function brokerAbsence(): Promise<string | undefined> {
  const external = externalAmqpUrl();
  if (!external) {
    try {
      await run('rabbitmqctl', ['--version'], { env: { PATH: process.env.PATH }, timeout: 30_000 });
    } catch {
      return 'no AMQP_URL / BENCH_AMQP_URL and no rabbitmqctl on this machine';
    }
  }
  const url = external ?? MACHINE_BROKER;
  const connection = new Connection({ url, connectionTimeout: 3_000, retryLow: 100, retryHigh: 500 });
  connection.on('error', () => undefined);
  try {
    await withTimeout(
      new Promise<void>((resolve) => {
        if (connection.ready) resolve();
        connection.once('connection', () => resolve());
      }),
      5_000,
      'connecting to the broker',
    );
    return undefined;
  } catch {
    return `no broker answers at ${redact(url)}`;
  } finally {
    connection.unsafeDestroy();
  }
}

function externalAmqpUrl(): string | undefined {
  return process.env.BENCH_AMQP_URL || process.env.AMQP_URL || undefined;
}

function redact(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}

/** A vhost of the run's own on the machine's broker (bench-<runTag>-<part>), deleted with remove() and at the end of the run. */
async function brokerFor(context: BenchContext, part: string): Promise<Broker & { remove(): Promise<void> }> {
  const external = externalAmqpUrl();
  if (external) return { url: external, description: `AMQP_URL ${redact(external)} (not ours: nothing deleted)`, remove: async () => undefined };
  const vhost = `bench-${context.runTag}-${part}`;
  const ctl = (...args: string[]) => run('rabbitmqctl', args, { env: { PATH: process.env.PATH }, timeout: 120_000 });
  await ctl('add_vhost', vhost);
  const remove = defer(`RabbitMQ vhost ${vhost}`, async () => void (await ctl('delete_vhost', vhost)));
  await ctl('set_permissions', '-p', vhost, 'guest', '.*', '.*', '.*');
  return { url: `${MACHINE_BROKER}/${encodeURIComponent(vhost)}`, description: `the machine's broker, vhost ${vhost} (ours)`, vhost, remove };
}

/**
 * A consumer of its own (non-durable, exclusive queue, no acks) bound to agent-fleet.events
 * with `routingKey`; the exchange is declared first, as the relay declares it.
 */
async function consume(url: string, name: string, routingKey: string, onMessage: (message: AsyncMessage, at: number) => void) {
  const connection = new Connection({ url, connectionName: `bench ${name}` });
  connection.on('error', () => undefined);
  const queue = `bench.${name}.${randomUUID().slice(0, 8)}`;
  const consumer = connection.createConsumer(
    {
      queue,
      queueOptions: { queue, durable: false, exclusive: true, autoDelete: true },
      exchanges: [eventsExchangeDeclaration],
      queueBindings: [{ queue, exchange: EVENTS_EXCHANGE, routingKey }],
      noAck: true,
    },
    (message) => onMessage(message, now()),
  );
  consumer.on('error', () => undefined);
  await withTimeout(new Promise<void>((resolve) => consumer.once('ready', () => resolve())), 15_000, `the ${name} consumer`);
  const close = defer(`consumer ${name}`, async () => {
    try {
      await withTimeout(
        (async () => {
          await consumer.close();
          await connection.close();
        })(),
        10_000,
        `closing the ${name} consumer`,
      );
    } catch {
      connection.unsafeDestroy();
    }
  });
  return { close };
}

/** The relay's own figures from GET /metrics. */
async function relayMetrics(agentUrl: string): Promise<{ published: number; behind: number } | undefined> {
  try {
    const text = await (await fetch(`${agentUrl}/metrics`, { signal: AbortSignal.timeout(5_000) })).text();
    const published = Number(/^cqrs_relay_published_total (\S+)$/m.exec(text)?.[1]);
    const behind = Number(/^cqrs_relay_events_behind (\S+)$/m.exec(text)?.[1]);
    return Number.isFinite(published) && Number.isFinite(behind) ? { published, behind } : undefined;
  } catch {
    return undefined;
  }
}

/** Epoch ms of the first log line of `file` containing `needle` (pino's ISO "time"). */
async function logTimeOf(file: string, needle: string): Promise<number | undefined> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const line = text.split('\n').find((candidate) => candidate.includes(needle));
  const time = line ? /"time":"([^"]+)"/.exec(line)?.[1] : undefined;
  return time ? Date.parse(time) : undefined;
}

function startWriteAgent(context: BenchContext, name: string, primaryUrl: string, amqpUrl: string): Promise<NodeService> {
  return context.startNodeService({
    name,
    entry: 'apps/write-agent/src/main.js',
    env: { ...context.agentEnv({ primaryUrl, redisUrl: context.stores.redisUrl }), AMQP_URL: amqpUrl, RELAY_BATCH_SIZE: String(RELAY_BATCH) },
    readyPath: '/health/ready',
  });
}

async function backlogThroughput(context: BenchContext, broker: Broker, agentRow: Measurement, bareRow: Measurement): Promise<Measurement[]> {
  const events = context.config.relayEvents;
  context.log(`writing a synthetic log of ${events} events (SQL)...`);
  const database = await createScratchDatabase(context.stores, 'bench_relay_backlog');
  const written = await withTimeout(writeSyntheticLog(database.primaryUrl, events, BACKLOG_AGENTS), 180_000, 'writing the synthetic log');
  await withClient(database.primaryUrl, (client) => client.query('VACUUM ANALYZE events'));
  const agentsInLog = await withClient(database.primaryUrl, async (client) =>
    Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM events WHERE type = 'AgentRegistered'`)).rows[0].n),
  );

  // Distinct messageIds per phase; the relay and the baseline publish the same events (same ids).
  let seen = new Set<string>();
  let firstAt: number | undefined;
  let lastAt: number | undefined;
  let deliveries = 0;
  let done: () => void = () => undefined;
  const consumer = await consume(broker.url, 'relay-backlog', '#', (message, at) => {
    deliveries++;
    firstAt ??= at;
    if (!message.messageId || seen.has(message.messageId)) return;
    seen.add(message.messageId);
    if (seen.size === written) {
      lastAt = at;
      done();
    }
  });
  const phase = () => {
    seen = new Set();
    firstAt = undefined;
    lastAt = undefined;
    deliveries = 0;
    return new Promise<void>((resolve) => {
      done = resolve;
    });
  };

  try {
    // The relay.
    context.log(`  relay: a write agent with AMQP_URL on ${written} events (${agentsInLog} AgentRegistered: as many work queues declared)...`);
    const relayDone = phase();
    const spawnedAt = now();
    const agent = await startWriteAgent(context, 'write-agent-relay-backlog', database.primaryUrl, broker.url);
    const readyAt = now();
    const scrapes: Array<{ at: number; published: number; behind: number }> = [];
    let scraping = true;
    const scraper = (async () => {
      while (scraping) {
        const figures = await relayMetrics(agent.url);
        if (figures) scrapes.push({ at: now(), ...figures });
        await sleep(100);
      }
    })();
    let relayEnd: string | undefined;
    try {
      await withTimeout(relayDone, 150_000, `the relay publishing ${written} events`);
    } catch (error) {
      relayEnd = `${errorText(error)} (${seen.size} distinct messages seen)`;
    }
    scraping = false;
    await scraper;
    const leaseWonAt = await logTimeOf(agent.logFile, 'relay lease won');
    const code = await agent.stop();
    const relay = { firstAt, lastAt, deliveries, distinct: seen.size };

    const fromMs = leaseWonAt ?? spawnedAt;
    const relaySeconds = relay.lastAt === undefined ? undefined : (relay.lastAt - fromMs) / 1000;
    const relayRate = relaySeconds === undefined ? undefined : written / relaySeconds;
    const firstPublished = scrapes.find((scrape) => scrape.published > 0);
    const caughtUp = scrapes.find((scrape) => scrape.published >= written && scrape.behind === 0);
    const agentMeasurement: Measurement = {
      ...agentRow,
      rps: relayRate === undefined ? undefined : throughputOf([round(relayRate)]),
      rateText: relayRate === undefined ? undefined : `${Math.round(relayRate).toLocaleString('en-US')} events/s (${written} in ${relaySeconds!.toFixed(2)} s)`,
      ok: relay.distinct,
      notes: [
        `${written} events of a synthetic log (bench/lib/synthetic-log.ts: ${agentsInLog} AgentRegistered, then TaskSubmitted/Started/Completed) in a scratch database; a write agent with AMQP_URL (RELAY_BATCH_SIZE ${RELAY_BATCH}, other relay settings default) started on it; ` +
          `rate = events / (arrival of the ${written}th distinct messageId at a consumer bound to # - the relay's "relay lease won" log line${leaseWonAt === undefined ? ', NOT FOUND: from the agent\'s spawn instead' : ''}); ` +
          `includes what the relay does per batch: the gap-safe read, the context query, ${agentsInLog} quorum work-queue declarations (AgentRegistered), the confirms and the checkpoint write on the primary`,
        `broker: ${broker.description}; the consumer is in the bench process (no acks, non-durable exclusive queue); its arrivals: first ${relay.firstAt === undefined ? '-' : round((relay.firstAt - fromMs) / 1000, 2)} s after the lease was won`,
      ],
      details: {
        events: written,
        spawnToReadyS: round((readyAt - spawnedAt) / 1000, 2),
        leaseWonAfterSpawnS: leaseWonAt === undefined ? undefined : round((leaseWonAt - spawnedAt) / 1000, 2),
        firstMessageAfterLeaseS: relay.firstAt === undefined ? undefined : round((relay.firstAt - fromMs) / 1000, 2),
        firstToLastMessageS: relay.firstAt === undefined || relay.lastAt === undefined ? undefined : round((relay.lastAt - relay.firstAt) / 1000, 2),
        deliveries: relay.deliveries,
        distinctMessageIds: relay.distinct,
        metrics: {
          scrapes: scrapes.length,
          firstPublishedAfterLeaseS: firstPublished ? round((firstPublished.at - fromMs) / 1000, 2) : undefined,
          eventsBehindZeroAfterLeaseS: caughtUp ? round((caughtUp.at - fromMs) / 1000, 2) : undefined,
          ratePublishedToCaughtUp:
            firstPublished && caughtUp && caughtUp.at > firstPublished.at
              ? Math.round((caughtUp.published - firstPublished.published) / ((caughtUp.at - firstPublished.at) / 1000))
              : undefined,
        },
        agentExitCode: code,
      },
    };
    if (relayEnd) agentMeasurement.failed = relayEnd;
    else if (code !== 0) agentMeasurement.failed = `the write agent exited with ${code} on SIGTERM`;
    if (firstPublished && caughtUp && caughtUp.at > firstPublished.at) {
      agentMeasurement.notes!.push(
        `cross-check from GET /metrics every ~100 ms: cqrs_relay_published_total > 0 at ${round((firstPublished.at - fromMs) / 1000, 2)} s, ` +
          `events_behind 0 at ${round((caughtUp.at - fromMs) / 1000, 2)} s after the lease (the gauge is cached up to 500 ms)`,
      );
    }

    // The baseline, same log, same exchange, same consumer.
    context.log(`  baseline: a bare publisher on the same ${written} events...`);
    const bareDone = phase();
    const result = await runNodeOnce({
      name: 'bare-relay-publisher',
      entry: 'bench/baselines/bare-relay-publisher.js',
      env: { DATABASE_URL: database.primaryUrl, AMQP_URL: broker.url, BATCH_SIZE: String(RELAY_BATCH), EVENTS: String(written) },
      timeoutMs: 150_000,
    }).catch((error: unknown) => ({ code: null, output: errorText(error), wallMs: 0, cpuMs: undefined }));
    const reported = /^\{.*"published".*\}$/m.exec(result.output)?.[0];
    const bareMeasurement: Measurement = { ...bareRow };
    if (result.code !== 0 || !reported) {
      bareMeasurement.failed = `the bare publisher exited with ${result.code}:\n${result.output.slice(-1_500)}`;
    } else {
      const figures = JSON.parse(reported) as { startedAtMs: number; connectedAtMs: number; confirmedAtMs: number; published: number };
      await withTimeout(bareDone, 30_000, `the consumer seeing the baseline's ${written} messages`).catch((error: unknown) => {
        bareMeasurement.failed = `${errorText(error)} (${seen.size} distinct seen)`;
      });
      const seconds = lastAt === undefined ? undefined : (lastAt - figures.startedAtMs) / 1000;
      const rate = seconds === undefined ? undefined : written / seconds;
      bareMeasurement.rps = rate === undefined ? undefined : throughputOf([round(rate)]);
      bareMeasurement.rateText = rate === undefined ? undefined : `${Math.round(rate).toLocaleString('en-US')} events/s (${written} in ${seconds!.toFixed(2)} s)`;
      bareMeasurement.ok = seen.size;
      bareMeasurement.notes = [
        `bench/baselines/bare-relay-publisher.ts: one pg client reading the same log in batches of ${RELAY_BATCH} (keyset on position), the relay's own relayMessage() (same bytes), ` +
          `rabbitmq-client on one confirm channel, a batch published at once then its confirms awaited; no lease, no checkpoint, no queue declarations; ` +
          `rate = events / (arrival of the ${written}th distinct messageId at the same consumer - the script's start, connections included)`,
      ];
      bareMeasurement.details = {
        connectS: round((figures.connectedAtMs - figures.startedAtMs) / 1000, 2),
        lastConfirmS: round((figures.confirmedAtMs - figures.startedAtMs) / 1000, 2),
        deliveries,
        processWallS: round(result.wallMs / 1000, 2),
        processCpuS: result.cpuMs === undefined ? undefined : round(result.cpuMs / 1000, 2),
      };
    }
    const ratio = agentMeasurement.rps && bareMeasurement.rps ? agentMeasurement.rps.median / bareMeasurement.rps.median : undefined;
    agentMeasurement.goal = {
      text: `>= ${TARGET_EVENTS_PER_S.toLocaleString('en-US')} events/s`,
      value: relayRate === undefined ? '-' : `${Math.round(relayRate).toLocaleString('en-US')} events/s${ratio === undefined ? '' : ` (ratio vs (b) ${ratio.toFixed(2)})`}`,
      met: relayRate === undefined ? undefined : relayRate >= TARGET_EVENTS_PER_S,
    };
    return [agentMeasurement, bareMeasurement];
  } finally {
    await consumer.close();
  }
}

async function latencyAndWorkers(context: BenchContext, broker: Broker, latencyRow: Measurement, workersRow: Measurement): Promise<Measurement[]> {
  const database = await createScratchDatabase(context.stores, 'bench_relay_tasks');
  const agent = await startWriteAgent(context, 'write-agent-relay-tasks', database.primaryUrl, broker.url);
  try {
    context.log('  registering 100 bench agents on the relay write agent...');
    const agentIds = await registerBenchAgents(agent.url, context.token, context.runTag);
    // Their work queues are declared by the relay's first batch: wait for it.
    const caughtUp = now();
    for (;;) {
      const figures = await relayMetrics(agent.url);
      if (figures && figures.published >= agentIds.length && figures.behind === 0) break;
      if (now() - caughtUp > 30_000) throw new Error(`the relay did not publish the ${agentIds.length} AgentRegistered within 30 s: ${JSON.stringify(figures)}`);
      await sleep(50);
    }
    const latency = await commitToConsumer(context, broker, agent, agentIds, latencyRow);
    const workers = await throughWorkers(context, broker, agent, database.primaryUrl, workersRow);
    return [latency, workers];
  } finally {
    const code = await agent.stop();
    if (code !== 0) context.log(`  the relay write agent exited with ${code} on SIGTERM`);
  }
}

async function commitToConsumer(context: BenchContext, broker: Broker, agent: NodeService, agentIds: string[], row: Measurement): Promise<Measurement> {
  const rate = context.config.lagRate;
  const arrivals = new Map<string, number>();
  const consumer = await consume(broker.url, 'relay-latency', 'task.TaskSubmitted.#', (message, at) => {
    const body = message.body as unknown;
    const parsed = (Buffer.isBuffer(body) || typeof body === 'string' ? JSON.parse(body.toString()) : body) as { aggregateId?: string };
    if (parsed.aggregateId && !arrivals.has(parsed.aggregateId)) arrivals.set(parsed.aggregateId, at);
  });
  try {
    const bodies = agentIds.map((agentId) => JSON.stringify({ agentId, type: 'bench.relay', payload: { n: 1 } }));
    const committed = new Map<string, number>();
    const result = await runPaced(
      {
        title: `SubmitTask at ${rate}/s -> relay write agent, TaskSubmitted -> consumer`,
        url: agent.url,
        method: 'POST',
        path: '/tasks',
        headers: authHeaders(context.token),
        body: (n) => bodies[n % bodies.length],
        pid: agent.pid,
        onResponse: (status, body, measured) => {
          if (!measured || status !== 201) return;
          committed.set((JSON.parse(body) as { id: string }).id, now());
        },
      },
      { rate, durationS: context.config.durationS, warmupS: context.config.warmupS, log: context.log },
    );
    const waitFrom = now();
    while ([...committed.keys()].some((id) => !arrivals.has(id)) && now() - waitFrom < GIVE_UP_MS) await sleep(20);
    const latencies: number[] = [];
    let lost = 0;
    let beforeAnswer = 0;
    for (const [id, at] of committed) {
      const arrived = arrivals.get(id);
      if (arrived === undefined) {
        lost++;
        continue;
      }
      if (arrived < at) beforeAnswer++;
      latencies.push(arrived - at);
    }
    const measurement: Measurement = {
      ...row,
      rateText: `${latencies.length} of ${committed.size} commands (every one)`,
      latencyMs: latencies.length > 0 ? latencyOf(latencies) : undefined,
      ok: latencies.length,
      notes: [
        `SubmitTask paced at ${rate}/s for ${context.config.durationS} s (after ${context.config.warmupS} s of warm-up, discarded) on a write agent of its own with AMQP_URL (scratch database, 100 agents registered through it); ` +
          `latency = arrival of the TaskSubmitted (matched by the body's aggregateId) at a consumer bound to task.TaskSubmitted.# - arrival of the command's 201, both in the bench process's event loop; ` +
          `negative when the message came first (${beforeAnswer} of ${latencies.length})`,
        `commands: ${result.ok} 2xx, ${result.non2xx} non-2xx, ${result.errors} errors; command latency p50 ${result.latencyMs.p50} ms, p99 ${result.latencyMs.p99} ms; broker: ${broker.description}`,
      ],
      details: {
        commands: { ok: result.ok, non2xx: result.non2xx, errors: result.errors, latencyMs: result.latencyMs, rps: result.rps },
        messageBeforeAnswer: beforeAnswer,
        notSeen: lost,
        benchEventLoopDelayMs: result.benchEventLoopDelayMs,
      },
    };
    if (latencies.length === 0) measurement.failed = 'no TaskSubmitted reached the consumer';
    else if (lost > 0) measurement.failed = `${lost} of ${committed.size} TaskSubmitted did not reach the consumer within ${GIVE_UP_MS} ms`;
    else if (result.non2xx > 0 || result.errors > 0) measurement.failed = `${result.non2xx} non-2xx answers and ${result.errors} errors to SubmitTask`;
    const p99 = measurement.latencyMs?.p99;
    measurement.goal = { text: `p99 < ${TARGET_P99_MS} ms`, value: p99 === undefined ? '-' : `${p99.toFixed(1)} ms`, met: p99 === undefined ? undefined : p99 < TARGET_P99_MS };
    return measurement;
  } finally {
    await consumer.close();
  }
}

async function throughWorkers(context: BenchContext, broker: Broker, agent: NodeService, primaryUrl: string, row: Measurement): Promise<Measurement> {
  const tasks = context.config.relayTasks;
  // An agent of its own: the bench agents' queues hold the latency run's tasks.
  const { id: agentId } = await postJson<{ id: string }>(`${agent.url}/agents`, context.token, { name: `bench-${context.runTag}-workers`, version: '1.0.0' });
  context.log(`  starting ${WORKERS} worker processes (concurrency ${WORKER_CONCURRENCY}) for agent ${agentId}...`);
  const workers = await Promise.all(
    Array.from({ length: WORKERS }, (_, n) =>
      context.startNodeService({
        name: `agent-worker-${n + 1}`,
        entry: 'bench/programs/agent-worker-process.js',
        env: { AMQP_URL: broker.url, AGENT_ID: agentId, WRITE_URL: agent.url, TOKEN: context.token, CONCURRENCY: String(WORKER_CONCURRENCY) },
        readyPath: '/ready',
      }),
    ),
  );
  const sql = new pg.Client({ connectionString: primaryUrl });
  await sql.connect();
  try {
    const completed = async () =>
      Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM tasks WHERE status = 'completed' AND agent_id = $1`, [agentId])).rows[0].n);
    context.log(`  submitting ${tasks} tasks from ${SUBMITTERS} concurrent clients...`);
    const body = JSON.stringify({ agentId, type: 'bench.echo', payload: { n: 1 } });
    const headers = authHeaders(context.token);
    let next = 0;
    const failures: string[] = [];
    const startedAt = now();
    await Promise.all(
      Array.from({ length: SUBMITTERS }, async () => {
        while (next < tasks) {
          next++;
          const response = await fetch(`${agent.url}/tasks`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) }).catch((error: unknown) => error as Error);
          if (response instanceof Error) failures.push(response.message);
          else {
            const text = await response.text();
            if (response.status !== 201) failures.push(`${response.status} ${text.slice(0, 200)}`);
          }
        }
      }),
    );
    const submittedAt = now();
    let done = 0;
    let lastPollAt = submittedAt;
    let previousPollAt = submittedAt;
    const accepted = tasks - failures.length;
    while (now() - submittedAt < 120_000) {
      previousPollAt = lastPollAt;
      done = await completed();
      lastPollAt = now();
      if (done >= accepted) break;
      await sleep(COMPLETION_POLL_MS);
    }
    const stats = await Promise.all(
      workers.map(async (worker) => (await (await fetch(`${worker.url}/stats`, { signal: AbortSignal.timeout(5_000) })).json()) as Record<string, number>),
    );
    const seconds = (lastPollAt - startedAt) / 1000;
    const rate = done / seconds;
    const measurement: Measurement = {
      ...row,
      rps: throughputOf([round(rate, 1)]),
      rateText: `${Math.round(rate).toLocaleString('en-US')} tasks/s (${done} in ${seconds.toFixed(2)} s)`,
      ok: done,
      notes: [
        `${tasks} SubmitTask from ${SUBMITTERS} concurrent clients on the relay's write agent (scratch database), one agent of its own; ${WORKERS} workers (runWorker of libs/agent-worker, concurrency ${WORKER_CONCURRENCY}, a handler that returns at once), each in a child process (bench/programs/agent-worker-process.ts), claiming with StartTask and answering CompleteTask on the same write agent; ` +
          `time = first submission -> the poll (every ${COMPLETION_POLL_MS} ms, SELECT count(*) ... status = 'completed') that saw them all (the poll before it: ${round((previousPollAt - startedAt) / 1000, 2)} s); ` +
          `submissions took ${round((submittedAt - startedAt) / 1000, 2)} s; the machine's CPUs are shared by the write agent, PostgreSQL, RabbitMQ, the workers and the bench`,
      ],
      details: {
        submitS: round((submittedAt - startedAt) / 1000, 2),
        completedAfterS: round(seconds, 2),
        submitFailures: failures.length,
        firstSubmitFailures: failures.slice(0, 5),
        completedPerWorker: stats.map((s) => s.completed),
        workerStats: stats,
      },
    };
    if (failures.length > 0) measurement.failed = `${failures.length} of ${tasks} SubmitTask failed: ${failures.slice(0, 3).join('; ')}`;
    else if (done < tasks) measurement.failed = `${done} of ${tasks} tasks completed within 120 s of the last submission`;
    return measurement;
  } finally {
    await sql.end();
    for (const worker of workers) {
      const code = await worker.stop();
      if (code !== 0) context.log(`  ${worker.name} exited with ${code} on SIGTERM`);
    }
  }
}
