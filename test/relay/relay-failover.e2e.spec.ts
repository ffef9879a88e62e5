import { afterAll, describe, expect, inject, it } from 'vitest';
import { FleetWorkload } from '../support/fleet-stack.js';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { HttpClient } from '../support/http-client.js';
import { until } from '../support/projection-harness.js';
import { consumeAllEvents, createVhost, startPrivateBroker } from '../support/rabbitmq.js';
import { expectEveryEventPublished, waitForEveryEvent } from '../support/relay-check.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';
import { startWriteAgent } from '../support/write-agent-fixture.js';

const RELAY = { RELAY_LEASE_MS: '1000', RELAY_POLL_MS: '100' };
const cleanups: Array<() => Promise<unknown>> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

const relayOf = async (agent: AgentProcess) => (await new HttpClient(agent.url).get('/health/ready')).body?.details?.relay;

describe('relay failover', () => {
  it('hands the relay to the other write agent when its holder is killed mid-stream, losing no event', async () => {
    const vhost = await createVhost('relay-takeover');
    cleanups.push(() => vhost.remove());
    const consumer = await consumeAllEvents(vhost.url);
    cleanups.push(() => consumer.close());
    const first = await startWriteAgent('relay_takeover', { AMQP_URL: vhost.url, ...RELAY });
    cleanups.push(() => first.stop());
    const second = await startAgent('write-agent', {
      DATABASE_URL: first.db.primaryUrl,
      REDIS_URL: inject('redisUrl'),
      AUTH_JWT_SECRET: TEST_JWT_SECRET,
      RATE_LIMIT_PER_MINUTE: '0',
      AMQP_URL: vhost.url,
      ...RELAY,
    });
    cleanups.push(() => second.stop());
    await until('one write agent to hold the relay lease', async () => (await relayOf(first.agent))?.holder || (await relayOf(second))?.holder, 10_000);
    const [holder, survivor] = (await relayOf(first.agent)).holder ? [first.agent, second] : [second, first.agent];
    // Degraded until its own broker connection is up (slow while the whole suite runs).
    await until('the other write agent to stand by, connected to the broker', async () => (await relayOf(survivor))?.state === 'standby', 10_000);
    expect(await relayOf(survivor)).toMatchObject({ state: 'standby', holder: false, broker: 'connected' });

    // Commands go to the survivor: the holder publishes what the other agent commits.
    const workload = new FleetWorkload(new HttpClient(survivor.url, await signToken({ scope: 'commands:write' })));
    const epochAtStart = await epochOf(first.db.sql);
    let takeover = { killedAt: 0, leaseMs: 0, firstMessageMs: 0, receivedBeforeKill: 0 };
    const kill = (async () => {
      await until('300 messages before the kill', () => consumer.received.length >= 300, 60_000);
      const killedAt = Date.now();
      const receivedBeforeKill = consumer.received.length;
      await holder.kill();
      const leaseMs = await until('the survivor to win the lease', async () => (await epochOf(first.db.sql)) > epochAtStart, 15_000);
      // The first message of an event committed after the kill: published by the new holder.
      const after = new Date(killedAt).toISOString();
      const firstMessageMs = await until('a message of an event committed after the kill', () => consumer.received.some((message) => String(message.body.occurredAt) > after), 15_000);
      takeover = { killedAt, leaseMs, firstMessageMs, receivedBeforeKill };
    })();
    await workload.run({ commands: 800, clients: 6, until: kill });
    await kill;
    expect(workload.unexpected.slice(0, 5)).toEqual([]);
    await waitForEveryEvent(first.db, consumer.received);
    const figures = await expectEveryEventPublished(first.db, consumer.received);
    console.log(
      `relay takeover: ${workload.issued} commands (${JSON.stringify(workload.byStatus)}); holder killed after ${takeover.receivedBeforeKill} messages; ` +
        `lease won ${takeover.leaseMs} ms later, first event committed after the kill delivered ${takeover.firstMessageMs} ms after it; ` +
        `${figures.events} events, ${figures.messages} messages, ${figures.duplicates} duplicates`,
    );
    expect(figures.events).toBe(workload.accepted);
    expect(await relayOf(survivor)).toMatchObject({ state: 'publishing', holder: true });
  }, 180_000);

  it('resumes from its checkpoint when the broker restarts mid-stream, commands answered throughout', async () => {
    const broker = await startPrivateBroker();
    cleanups.push(() => broker.stop());
    const consumer = await consumeAllEvents(broker.url);
    cleanups.push(() => consumer.close());
    const fx = await startWriteAgent('relay_broker_restart', { AMQP_URL: broker.url, ...RELAY });
    cleanups.push(() => fx.stop());
    const workload = new FleetWorkload(fx.http);
    let restart = { downMs: 0, stopMs: 0, receivedBefore: 0, degraded: false };
    const outage = (async () => {
      await until('300 messages before the restart', () => consumer.received.length >= 300, 60_000);
      const receivedBefore = consumer.received.length;
      let degraded = false;
      const watching = (async () => {
        while (!degraded && restart.downMs === 0) {
          degraded = (await relayOf(fx.agent))?.state === 'degraded';
          await new Promise((done) => setTimeout(done, 50));
        }
      })();
      const { downMs, stopMs } = await broker.restart();
      restart = { downMs, stopMs, receivedBefore, degraded: false };
      await watching;
      restart.degraded = degraded;
    })();
    await workload.run({ commands: 800, clients: 6, until: outage });
    await outage;
    expect(workload.unexpected.slice(0, 5)).toEqual([]);
    expect(Object.keys(workload.byStatus).filter((status) => Number(status) >= 500)).toEqual([]);
    await waitForEveryEvent(fx.db, consumer.received);
    const figures = await expectEveryEventPublished(fx.db, consumer.received);
    console.log(
      `broker restart: ${workload.issued} commands (${JSON.stringify(workload.byStatus)}); broker down ${restart.downMs} ms (stopping took ${restart.stopMs} ms) after ${restart.receivedBefore} messages; ` +
        `relay seen degraded: ${restart.degraded}; ${figures.events} events, ${figures.messages} messages, ${figures.duplicates} duplicates`,
    );
    expect(figures.events).toBe(workload.accepted);
    await until('the relay to publish again', async () => (await relayOf(fx.agent))?.state === 'publishing', 10_000);
  }, 180_000);
});

async function epochOf(sql: { query: (text: string) => Promise<{ rows: Array<{ epoch: string }> }> }): Promise<number> {
  const { rows } = await sql.query(`SELECT epoch::text AS epoch FROM relay_leases WHERE name = 'rabbitmq'`);
  return Number(rows[0]?.epoch ?? 0);
}
