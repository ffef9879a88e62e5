import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '@app/local-stack';
import { startAgent, type AgentProcess } from '../support/agent-process.js';
import { HttpClient } from '../support/http-client.js';
import { RedisFreeze } from '../support/redis-freeze.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { signToken, TEST_JWT_SECRET } from '../support/tokens.js';

// Two write agents share RATE_LIMIT_PER_MINUTE through a private Redis, which stops
// answering (SIGSTOP) and wakes up (SIGCONT). Commands never wait for Redis: each is
// answered within ANSWER_BOUND_MS. While Redis is frozen, each agent goes on refusing once
// its own requests plus the other's that it last learned pass the limit (docs/api.md
// section 2); after the thaw every request counts once in the shared count.

const LIMIT = 20;
const ANSWER_BOUND_MS = 2_000;
const MINUTE = 60_000;

let redis: RedisServer;
let freeze: RedisFreeze;
let db: TestDatabase;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  const started = await startRedisServer();
  if (!started) throw new Error('redis-server is not on PATH: this test freezes a Redis of its own');
  redis = started;
  freeze = await RedisFreeze.of(redis.url);
  db = await createTestDatabase('redis_freeze_limit');
  for (let i = 0; i < 2; i++) {
    agents.push(
      await startAgent('write-agent', {
        DATABASE_URL: db.primaryUrl,
        REDIS_URL: redis.url,
        AUTH_JWT_SECRET: TEST_JWT_SECRET,
        RATE_LIMIT_PER_MINUTE: String(LIMIT),
      }),
    );
  }
}, 120_000);

afterAll(async () => {
  freeze?.thaw();
  await Promise.all(agents.map((agent) => agent.stop()));
  await db?.close();
  await redis?.stop();
});

interface Sent {
  status: number;
  ms: number;
}

/** `n` commands to one agent, one after the other, `gapMs` apart (so that its syncs run, and time out while frozen). */
async function send(client: HttpClient, n: number, gapMs = 0): Promise<Sent[]> {
  const sent: Sent[] = [];
  for (let i = 0; i < n; i++) {
    const at = Date.now();
    const answer = await client.post('/agents', { name: `limited-${randomUUID()}`, version: '1' });
    sent.push({ status: answer.status, ms: Date.now() - at });
    if (gapMs) await sleep(gapMs);
  }
  return sent;
}

const count = (sent: Sent[], status: number) => sent.filter((s) => s.status === status).length;
const settle = () => sleep(400);

describe('the shared rate limit while Redis is frozen', () => {
  it('each agent enforces its own count over what it last learned, every answer within 2 s; after the thaw each request counts once', async () => {
    // Inside one fixed window, so that its end cannot restart the count mid-test.
    const msIntoWindow = Date.now() % MINUTE;
    if (msIntoWindow > MINUTE - 25_000) await sleep(MINUTE - msIntoWindow + 50);
    // One subject for both agents, of its own.
    const token = await signToken({ sub: `limited-${randomUUID()}` });
    const [a, b] = agents.map((agent) => new HttpClient(agent.url, token));
    const before = [...(await send(a!, 6))];
    await settle();
    before.push(...(await send(b!, 4)));
    await settle();
    before.push(...(await send(a!, 1)));
    await settle(); // a knows b's 4, b knows a's 6: 11 of 20 used

    freeze.freeze();
    let duringA: Sent[];
    let duringB: Sent[];
    try {
      duringA = await send(a!, 15, 150);
      duringB = await send(b!, 15, 150);
    } finally {
      freeze.thaw();
    }
    await sleep(1_000); // the syncs that were waiting are answered, and the next ones too
    const after = [...(await send(a!, 1)), ...(await send(b!, 1))];
    await settle();

    const plain = new Redis(redis.url, { maxRetriesPerRequest: 1 });
    let stored: number[] = [];
    let keys: string[];
    try {
      keys = await plain.keys('ratelimit:*');
      for (const key of keys) {
        const values = (await plain.type(key)) === 'hash' ? await plain.hvals(key) : [await plain.get(key)];
        stored.push(...values.map(Number));
      }
      stored.sort((x, y) => x - y);
    } finally {
      plain.disconnect();
    }
    const all = [...before, ...duringA, ...duringB, ...after];
    const figures = {
      limit: LIMIT,
      freezeMs: freeze.thawedAt - freeze.frozenAt,
      beforeFreeze: { 201: count(before, 201), 429: count(before, 429) },
      duringFreezeA: { 201: count(duringA, 201), 429: count(duringA, 429) },
      duringFreezeB: { 201: count(duringB, 201), 429: count(duringB, 429) },
      afterThaw: after.map((s) => s.status),
      storedCounts: stored,
      slowestMs: Math.max(...all.map((s) => s.ms)),
    };
    console.log(`shared rate limit, two write agents, Redis frozen: ${JSON.stringify(figures)}`);

    expect(keys, 'one shared count of the subject in its window').toHaveLength(1);
    expect(count(before, 201)).toBe(11);
    // a: its 7 plus b's 4 are 11, so 9 more pass; b: its 4 plus a's 6 are 10, so 10 more pass.
    expect(figures.duringFreezeA).toEqual({ 201: 9, 429: 6 });
    expect(figures.duringFreezeB).toEqual({ 201: 10, 429: 5 });
    // Thawed, each sees the other's requests again: both refuse.
    expect(figures.afterThaw).toEqual([429, 429]);
    // Every request counted once, refused ones included: a sent 7 + 15 + 1, b 4 + 15 + 1.
    expect(stored).toEqual([20, 23]);
    expect(all.filter((s) => s.ms > ANSWER_BOUND_MS)).toEqual([]);
    expect(all.filter((s) => s.status !== 201 && s.status !== 429)).toEqual([]);
  }, 90_000);
});
