import type { ThrottlerStorage } from '@nestjs/throttler';
import type { Redis } from 'ioredis';
import type { RedisConnection } from '../redis/redis-connection.js';

type RateLimitIncrement = (key: string, ttlMs: number, limit: number, blockMs: number) => Promise<[number, number, number]>;

interface ThrottlerStorageRecord {
  totalHits: number;
  timeToExpire: number;
  isBlocked: boolean;
  timeToBlockExpire: number;
}

// Fixed window per key: count the hit, start the window on the first one; block the key
// for blockDuration once over the limit. Returns hits, ms left in the window, ms blocked.
const INCREMENT = `
local blockKey = KEYS[1] .. ':blocked'
local blockedFor = redis.call('PTTL', blockKey)
if blockedFor > 0 then
  return { tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1]), blockedFor }
end
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if hits > tonumber(ARGV[2]) then
  redis.call('SET', blockKey, '1', 'PX', ARGV[3])
  return { hits, ttl, tonumber(ARGV[3]) }
end
return { hits, ttl, 0 }
`;

/**
 * Shares the rate-limit counts of every instance through Redis. While Redis is down each
 * instance counts on its own (the fallback storage), so an outage never blocks requests.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  constructor(
    private readonly redis: RedisConnection,
    private readonly fallback: ThrottlerStorage,
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, name: string): Promise<ThrottlerStorageRecord> {
    const client = this.redis.client as (Redis & { rateLimitIncrement?: RateLimitIncrement }) | null;
    if (!client || !this.redis.isReady) return this.fallback.increment(key, ttl, limit, blockDuration, name);
    // Sent by SHA (EVALSHA) after the first call, not as the whole script each time.
    if (!client.rateLimitIncrement) client.defineCommand('rateLimitIncrement', { numberOfKeys: 1, lua: INCREMENT });
    try {
      const [hits, windowMs, blockedMs] = await client.rateLimitIncrement!(`ratelimit:${name}:${key}`, ttl, limit, blockDuration);
      return {
        totalHits: hits,
        timeToExpire: Math.ceil(Math.max(windowMs, 0) / 1000),
        isBlocked: blockedMs > 0,
        timeToBlockExpire: Math.ceil(blockedMs / 1000),
      };
    } catch {
      return this.fallback.increment(key, ttl, limit, blockDuration, name);
    }
  }
}
