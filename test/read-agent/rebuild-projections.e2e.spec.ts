import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GENERATION_KEY } from '../../apps/read-agent/src/redis-views/redis-layout.js';
import {
  expectViewsToMatchPrimary,
  isolatedRedis,
  latestToken,
  runWorkload,
  startProjector,
  viewsInRedis,
  waitForCheckpoint,
  type RunningProjector,
  type TestRedis,
} from '../support/projection-harness.js';
import { startWriteAgent, type WriteAgentFixture } from '../support/write-agent-fixture.js';

const ENTRY = resolve(import.meta.dirname, '../../dist/apps/read-agent/src/rebuild-projections.js');

function rebuild(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [ENTRY], { env: { PATH: process.env.PATH, ...env } });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      done({ code, output });
    });
  });
}

let fx: WriteAgentFixture;
let redis: TestRedis;
let projector: RunningProjector;

beforeAll(async () => {
  Logger.overrideLogger(['error']);
  redis = await isolatedRedis();
  fx = await startWriteAgent('rebuild_projections', { REDIS_URL: redis.url });
  projector = await startProjector(fx.db, redis.url, { leaseMs: 1_000 });
});
afterAll(async () => {
  await projector?.stop();
  await fx?.stop();
  await redis?.close();
});

describe('rebuild-projections', () => {
  it('rebuilds the views into a new generation beside a running projector, prints its speed and exits 0', async () => {
    await waitForCheckpoint(redis.client, latestToken(await runWorkload(fx.http, { agents: 4, tasks: 40 })));
    const before = await viewsInRedis(redis.client);
    const generation = await redis.client.get(GENERATION_KEY);

    const { code, output } = await rebuild({
      DATABASE_URL: fx.db.primaryUrl,
      DATABASE_REPLICA_URLS: fx.db.replicaUrls.join(','),
      REDIS_URL: redis.url,
      PROJECTION_LEASE_MS: '1000',
    });

    expect(code, output).toBe(0);
    expect(output).toMatch(/generation \d+ is live: \d+ events in [\d.]+ s \(\d+ events\/s\)/);
    expect(await redis.client.get(GENERATION_KEY)).not.toBe(generation);
    expect(await viewsInRedis(redis.client)).toStrictEqual(before);
    await waitForCheckpoint(redis.client, latestToken(await runWorkload(fx.http, { agents: 2, tasks: 10 })));
    await expectViewsToMatchPrimary(redis.client, fx.db);
  });

  it('stops with one line naming the variable when REDIS_URL is missing', async () => {
    const { code, output } = await rebuild({ DATABASE_URL: fx.db.primaryUrl });
    expect(code).toBe(1);
    expect(output.trim()).toBe('Invalid environment: REDIS_URL: is required to rebuild the projections (or REDIS_SENTINELS with REDIS_SENTINEL_NAME)');
  });
});
