import { Module, type INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePositionToken, positionCovers } from '@app/domain';
import { getFreePort } from '@app/local-stack';
import { metricsRegistry, PlatformModule, RedisConnection } from '@app/platform';
import { ProjectionsModule } from '../../apps/read-agent/src/projections.module.js';
import { ProjectionProgress } from '../../apps/read-agent/src/projector/projection-progress.js';
import { ProjectedViews } from '../../apps/read-agent/src/stores/projected-views.js';
import { LEASE_KEY } from '../../apps/read-agent/src/redis-views/redis-layout.js';
import { isolatedRedis, until, type TestRedis } from '../support/projection-harness.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

@Module({ imports: [PlatformModule, ProjectionsModule] })
class ProjectionsTestModule {}

let fx: WriteAgentFixture;
let redis: TestRedis;
let app: INestApplicationContext;

beforeAll(async () => {
  redis = await isolatedRedis();
  fx = await startWriteAgent('projections_module', { REDIS_URL: redis.url });
  Object.assign(process.env, {
    DATABASE_URL: fx.db.primaryUrl,
    DATABASE_REPLICA_URLS: fx.db.replicaUrls.join(','),
    REDIS_URL: redis.url,
    AUTH_DISABLED: 'true',
    PROJECTION_LEASE_MS: '1000',
  });
  app = await NestFactory.createApplicationContext(ProjectionsTestModule, { logger: ['error'] });
  await app.init();
});
afterAll(async () => {
  await app?.close();
  await fx?.stop();
  await redis?.close();
});

describe('ProjectionsModule', () => {
  it('starts the projector on bootstrap and serves views with their checkpoint', async () => {
    const registered = await fx.http.post('/agents', { name: 'module-agent', version: '1' });
    const submitted = await fx.http.post('/tasks', { agentId: registered.body.id, type: 'probe' });
    const wanted = parsePositionToken(submitted.body.position)!;
    const reader = app.get(ProjectedViews);
    expect(reader).toBeInstanceOf(ProjectedViews);

    await until('the task to be projected', async () => {
      const { checkpoint } = await reader.read('task', submitted.body.id);
      return checkpoint !== null && positionCovers(checkpoint, wanted);
    });
    const agent = await reader.read('agent', registered.body.id);
    expect(agent.view).toMatchObject({ id: registered.body.id, name: 'module-agent', tasks: { pending: 1, total: 1 } });
    expect((await reader.read('task', submitted.body.id)).view).toMatchObject({ status: 'pending', agentId: registered.body.id });
    expect((await reader.read('stats')).view).toMatchObject({ agents: { active: 1, total: 1 }, tasks: { pending: 1, total: 1 } });
    expect((await reader.read('task', '00000000-0000-4000-8000-000000000000')).view).toBeNull();
  });

  it('reports no lag and nothing behind once caught up, also as metrics', async () => {
    const status = app.get(ProjectionProgress);
    await until('nothing behind', async () => (await status.eventsBehind()) === 0);
    expect(await status.lagSeconds()).toBe(0);
    const metrics = await metricsRegistry.metrics();
    expect(metrics).toMatch(/^cqrs_projection_lag_seconds 0$/m);
    expect(metrics).toMatch(/^cqrs_projection_events_behind 0$/m);
    expect(metrics).toMatch(/^cqrs_projection_position [1-9]\d*$/m);
    expect(metrics).toMatch(/^cqrs_projection_poison_events_total 0$/m);
  });

  it('rejects a read while Redis cannot be reached, so the caller can fall back', async () => {
    const down = new RedisConnection({ url: `redis://127.0.0.1:${await getFreePort()}` });
    try {
      await expect(new ProjectedViews(down).read('stats')).rejects.toThrow();
    } finally {
      down.client!.disconnect();
    }
  });

  it('releases the lease on shutdown, so a peer can take over at once', async () => {
    expect(await redis.client.get(LEASE_KEY)).not.toBeNull();
    await app.close();
    expect(await redis.client.get(LEASE_KEY)).toBeNull();
  });
});
