import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { RedisConnection, SharedWindowStorage } from '@app/platform';

const MINUTE = 60_000;
const settle = () => new Promise((done) => setTimeout(done, 300));

describe('SharedWindowStorage', () => {
  const opened: Array<{ redis: RedisConnection; storage: SharedWindowStorage }> = [];
  const instance = async (url: string | undefined) => {
    const redis = new RedisConnection({ url });
    const storage = new SharedWindowStorage(redis);
    opened.push({ redis, storage });
    if (url) await new Promise((done) => (redis.isReady ? done(null) : redis.client!.once('ready', done)));
    return storage;
  };
  afterEach(async () => {
    for (const { redis, storage } of opened.splice(0)) {
      storage.close();
      await redis.onApplicationShutdown();
    }
  });

  it('blocks a subject once the hits of two instances together pass the limit', async () => {
    const [a, b] = [await instance(inject('redisUrl')), await instance(inject('redisUrl'))];
    const key = `sub:${randomUUID()}`;
    for (let i = 0; i < 6; i++) expect((await a.increment(key, MINUTE, 10, MINUTE, 'default')).isBlocked).toBe(false);
    await settle();
    // b learns the shared count when it syncs its own first hit.
    expect((await b.increment(key, MINUTE, 10, MINUTE, 'default')).isBlocked).toBe(false);
    await settle();
    for (let i = 0; i < 3; i++) expect((await b.increment(key, MINUTE, 10, MINUTE, 'default')).isBlocked).toBe(false);
    const over = await b.increment(key, MINUTE, 10, MINUTE, 'default');
    expect(over).toMatchObject({ totalHits: 11, isBlocked: true });
    expect(over.timeToBlockExpire).toBeGreaterThan(0);
    expect(over.timeToBlockExpire).toBeLessThanOrEqual(60);
  });

  it('keeps subjects apart', async () => {
    const a = await instance(inject('redisUrl'));
    const [one, two] = [`sub:${randomUUID()}`, `sub:${randomUUID()}`];
    for (let i = 0; i < 3; i++) await a.increment(one, MINUTE, 2, MINUTE, 'default');
    expect((await a.increment(one, MINUTE, 2, MINUTE, 'default')).isBlocked).toBe(true);
    expect((await a.increment(two, MINUTE, 2, MINUTE, 'default')).isBlocked).toBe(false);
  });

  it('counts on its own without Redis', async () => {
    const a = await instance(undefined);
    const key = `sub:${randomUUID()}`;
    await a.increment(key, MINUTE, 1, MINUTE, 'default');
    expect((await a.increment(key, MINUTE, 1, MINUTE, 'default')).isBlocked).toBe(true);
  });
});
