import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { startRedisServer, type RedisServer } from '@app/local-stack';
import { RedisConnection, SharedWindowStorage } from '@app/platform';
import { RedisFreeze } from '../support/redis-freeze.js';

const MINUTE = 60_000;
const settle = () => new Promise((done) => setTimeout(done, 300));

describe('SharedWindowStorage', () => {
  const opened: Array<{ redis: RedisConnection; storage: SharedWindowStorage }> = [];
  const instance = async (url: string | undefined, commandTimeoutMs?: number) => {
    const redis = new RedisConnection({ url, commandTimeoutMs });
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

describe('SharedWindowStorage on a Redis that stops answering (SIGSTOP) and wakes up', () => {
  const LIMIT = 10;
  const TIMEOUT_MS = 300;
  let server: RedisServer;
  let freeze: RedisFreeze;
  const opened: Array<{ redis: RedisConnection; storage: SharedWindowStorage }> = [];
  const instance = async () => {
    const redis = new RedisConnection({ url: server.url, commandTimeoutMs: TIMEOUT_MS });
    const storage = new SharedWindowStorage(redis);
    opened.push({ redis, storage });
    await new Promise((done) => (redis.isReady ? done(null) : redis.client!.once('ready', done)));
    return storage;
  };
  /** `n` hits, each after a few syncs had their chance (and, while frozen, timed out). */
  const hits = async (storage: SharedWindowStorage, key: string, n: number, gapMs = 0) => {
    const answers: Array<{ totalHits: number; isBlocked: boolean }> = [];
    for (let i = 0; i < n; i++) {
      answers.push(await storage.increment(key, MINUTE, LIMIT, MINUTE, 'default'));
      if (gapMs) await sleep(gapMs);
    }
    return answers;
  };

  beforeAll(async () => {
    const started = await startRedisServer();
    if (!started) throw new Error('redis-server is not on PATH: this test freezes a Redis of its own');
    server = started;
    freeze = await RedisFreeze.of(server.url);
  });
  afterAll(async () => {
    freeze?.thaw();
    for (const { redis, storage } of opened.splice(0)) {
      storage.close();
      await redis.onApplicationShutdown();
    }
    await server?.stop();
  });

  it('each instance refuses past its own hits plus the others it last learned, and after the thaw every hit counts once', async () => {
    // Inside one fixed window, so that its end cannot restart the count mid-test.
    const msIntoWindow = Date.now() % MINUTE;
    if (msIntoWindow > MINUTE - 20_000) await sleep(MINUTE - msIntoWindow + 50);
    const [a, b] = [await instance(), await instance()];
    const key = `sub:${randomUUID()}`;
    await hits(a, key, 4);
    await settle();
    await hits(b, key, 2);
    await settle();
    await hits(a, key, 1);
    await settle(); // a knows b's 2, b knows a's 4: 7 of 10 used

    freeze.freeze();
    // Each goes on counting its own hits over the others' it last learned (docs/api.md section 2).
    const duringA = await hits(a, key, 6, 150);
    const duringB = await hits(b, key, 6, 150);
    const admitted = (answers: Array<{ isBlocked: boolean }>) => answers.filter((answer) => !answer.isBlocked).length;
    const figures = { admittedByA: admitted(duringA), admittedByB: admitted(duringB), hitsA: duringA.map((x) => x.totalHits), hitsB: duringB.map((x) => x.totalHits) };
    freeze.thaw();

    // a: own 5 + others 2 = 7, so hits 8..10 pass and the 11th is refused; b: own 2 + others 4 = 6, hits 7..10 pass.
    expect(figures.admittedByA, JSON.stringify(figures)).toBe(3);
    expect(figures.admittedByB, JSON.stringify(figures)).toBe(4);
    expect(duringA.slice(3).every((answer) => answer.isBlocked)).toBe(true);
    expect(duringB.slice(4).every((answer) => answer.isBlocked)).toBe(true);

    // After the thaw the shared count is every hit once: 5 + 6 by a, 2 + 6 by b.
    const total = 5 + 6 + 2 + 6;
    const plain = new Redis(server.url, { maxRetriesPerRequest: 1 });
    try {
      let stored = 0;
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const keys = await plain.keys(`ratelimit:default:${key}:*`);
        const fields = keys.length === 1 ? await plain.hvals(keys[0]!) : [];
        stored = fields.reduce((sum, value) => sum + Number(value), 0);
        if (stored >= total) break;
        await sleep(50);
      }
      await sleep(500); // anything a frozen Redis still held has been applied by now
      const keys = await plain.keys(`ratelimit:default:${key}:*`);
      expect(keys).toHaveLength(1);
      const fields = await plain.hvals(keys[0]!);
      expect(fields.map(Number).sort((x, y) => x - y)).toEqual([8, 11]);
    } finally {
      plain.disconnect();
    }
    const c = await instance();
    await hits(c, key, 1);
    await settle();
    const [next] = await hits(c, key, 1);
    expect(next!.totalHits, 'a new instance sees every hit once').toBe(total + 2);
    console.log(`rate limit ${LIMIT}/min, two instances, Redis frozen: ${JSON.stringify({ ...figures, afterThaw: next!.totalHits - 2 })}`);
  }, 60_000);
});
