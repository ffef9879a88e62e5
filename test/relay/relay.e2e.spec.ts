import { Redis } from 'ioredis';
import { Connection } from 'rabbitmq-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getFreePort, startRedisServer } from '@app/local-stack';
import { FleetWorkload } from '../support/fleet-stack.js';
import { HttpClient } from '../support/http-client.js';
import { until } from '../support/projection-harness.js';
import { consumeAllEvents, createVhost, type EventConsumer, type Vhost } from '../support/rabbitmq.js';
import { expectEveryEventPublished, logOf, waitForEveryEvent } from '../support/relay-check.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

const RELAY = { RELAY_LEASE_MS: '1000', RELAY_POLL_MS: '100' };

const relayDetail = async (fx: WriteAgentFixture) => {
  const answer = await new HttpClient(fx.agent.url).get('/health/ready');
  return { status: answer.status, relay: answer.body?.details?.relay };
};

/** Whether a queue exists on the vhost, and how many messages it holds. */
async function queueOf(url: string, queue: string): Promise<number | null> {
  const connection = new Connection({ url });
  connection.on('error', () => undefined);
  try {
    const channel = await connection.acquire();
    try {
      return (await channel.queueDeclare({ queue, passive: true })).messageCount;
    } catch {
      return null;
    } finally {
      await channel.close().catch(() => undefined);
    }
  } finally {
    await connection.close();
  }
}

describe('the relay publishes the event log to RabbitMQ', () => {
  let vhost: Vhost;
  let consumer: EventConsumer;
  let fx: WriteAgentFixture;

  beforeAll(async () => {
    vhost = await createVhost('relay-contract');
    consumer = await consumeAllEvents(vhost.url);
    fx = await startWriteAgent('relay_contract', { AMQP_URL: vhost.url, ...RELAY });
  });
  afterAll(async () => {
    await fx?.stop();
    await consumer?.close();
    await vhost?.remove();
  });

  it('delivers every event of a random workload once or more, as specified, in revision order per aggregate', async () => {
    const workload = new FleetWorkload(fx.http);
    const started = Date.now();
    await workload.run({ commands: 2_000, clients: 8 });
    expect(workload.unexpected.slice(0, 5)).toEqual([]);
    const waitedMs = await waitForEveryEvent(fx.db, consumer.received);
    const figures = await expectEveryEventPublished(fx.db, consumer.received);
    console.log(
      `relay contract (seed ${workload.seed}): ${workload.issued} commands (${JSON.stringify(workload.byStatus)}) in ${Date.now() - started - waitedMs} ms; ` +
        `${figures.events} events, ${figures.messages} messages, ${figures.duplicates} duplicates; the last arrived ${waitedMs} ms after the last answer; ` +
        `occurredAt to delivery ${JSON.stringify(figures.latencyMs)} ms`,
    );
    expect(figures.events).toBe(workload.accepted);

    const { status, relay } = await relayDetail(fx);
    expect(status).toBe(200);
    expect(relay).toMatchObject({ status: 'up', state: 'publishing', holder: true, broker: 'connected' });
    await until('the relay to report nothing behind', async () => (await relayDetail(fx)).relay?.eventsBehind === 0, 5_000);
    const metrics = await (await fetch(`${fx.agent.url}/metrics`)).text();
    expect(metrics).toMatch(/^cqrs_relay_events_behind 0$/m);
    expect(metrics).toMatch(/^cqrs_relay_lag_seconds 0$/m);
    expect(Number(/^cqrs_relay_published_total (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(figures.events);
  });

  it("keeps each live agent's work queue with exactly its TaskSubmitted messages, and deletes a retired agent's", async () => {
    const log = await logOf(fx.db);
    const retired = new Set(log.filter((row) => row.type === 'AgentRetired').map((row) => row.aggregate_id));
    const agents = log.filter((row) => row.type === 'AgentRegistered').map((row) => row.aggregate_id);
    const submitted = (agent: string) => log.filter((row) => row.type === 'TaskSubmitted' && row.agent_id === agent).length;
    expect(retired.size, 'the workload retires some agents').toBeGreaterThan(0);
    const wrong: string[] = [];
    for (const agent of agents) {
      const count = await queueOf(vhost.url, `agent-fleet.tasks.${agent}`);
      const expected = retired.has(agent) ? null : submitted(agent);
      if (count !== expected) wrong.push(`${agent}: ${count} messages, expected ${expected}`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('the relay and Redis', () => {
  it('does not publish the log again when Redis is flushed', async () => {
    const redis = (await startRedisServer())!;
    const vhost = await createVhost('relay-redis');
    const consumer = await consumeAllEvents(vhost.url);
    const fx = await startWriteAgent('relay_redis', { AMQP_URL: vhost.url, REDIS_URL: redis.url, ...RELAY });
    try {
      const workload = new FleetWorkload(fx.http);
      await workload.run({ commands: 200, clients: 4 });
      await waitForEveryEvent(fx.db, consumer.received);
      const before = consumer.received.length;
      const client = new Redis(redis.url);
      await client.flushall();
      client.disconnect();
      // Events after the flush arrive, so the relay ran past it; none before it came again.
      await workload.run({ commands: 50, clients: 2 });
      await waitForEveryEvent(fx.db, consumer.received);
      const figures = await expectEveryEventPublished(fx.db, consumer.received);
      console.log(`relay and a flushed Redis: ${before} messages before the flush, ${figures.messages} after, ${figures.duplicates} duplicates`);
      expect(figures.duplicates).toBe(0);
    } finally {
      await fx.stop();
      await consumer.close();
      await vhost.remove();
      await redis.stop();
    }
  });
});

describe('without a broker', () => {
  it('runs no relay when AMQP_URL is unset, and says so once at start-up', async () => {
    const fx = await startWriteAgent('relay_unset');
    try {
      const startupLines = () => fx.agent.output().filter((line) => line.includes('AMQP_URL is not set'));
      // Log lines reach us asynchronously, possibly after readiness.
      await until('the start-up line without a relay', () => startupLines().length > 0, 5_000);
      expect((await fx.http.post('/agents', { name: 'no-relay', version: '1' })).status).toBe(201);
      expect(startupLines()).toHaveLength(1);
      expect(await relayDetail(fx)).toEqual({ status: 200, relay: { status: 'up', state: 'disabled', holder: false, broker: 'not configured' } });
    } finally {
      await fx.stop();
    }
  });

  it('answers commands and stays ready, the relay degraded, while the broker cannot be reached', async () => {
    const unreachable = `amqp://guest:guest@127.0.0.1:${await getFreePort()}`;
    const fx = await startWriteAgent('relay_unreachable', { AMQP_URL: unreachable, ...RELAY });
    try {
      const workload = new FleetWorkload(fx.http);
      await workload.run({ commands: 100, clients: 4 });
      expect(workload.unexpected).toEqual([]);
      expect(Object.keys(workload.byStatus).filter((status) => Number(status) >= 500)).toEqual([]);
      // Readiness shares one look at the backlog for 500 ms: a run shorter than that may see the look from before it.
      await until('readiness to count the unpublished events', async () => (await relayDetail(fx)).relay?.eventsBehind === workload.accepted, 5_000);
      const { status, relay } = await relayDetail(fx);
      console.log(`broker unreachable: ${workload.issued} commands ${JSON.stringify(workload.byStatus)}; readiness ${status} ${JSON.stringify(relay)}`);
      expect(status).toBe(200);
      expect(relay).toMatchObject({ status: 'degraded', state: 'degraded', broker: 'unreachable', eventsBehind: workload.accepted });
      expect(JSON.stringify(relay)).not.toMatch(/ECONN|127\.0\.0\.1|:\d{4,5}/);
    } finally {
      await fx.stop();
    }
  });
});
