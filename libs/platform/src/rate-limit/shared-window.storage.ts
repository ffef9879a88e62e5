import { randomUUID } from 'node:crypto';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisConnection } from '../redis/redis-connection.js';

const SYNC_EVERY_MS = 100;

/**
 * For each window key (a hash of instance -> that instance's hits in the window): raises
 * our field to the count we send, never lowers it, and returns the other instances' sum.
 * Setting an absolute count makes a sync idempotent: a batch that timed out and is sent
 * again, or that a frozen Redis applies late, counts once.
 */
const SYNC_SCRIPT = `
local me, ttl = ARGV[1], ARGV[2]
local others = {}
for i, key in ipairs(KEYS) do
  local count = tonumber(ARGV[i + 2])
  if count > tonumber(redis.call('HGET', key, me) or '0') then redis.call('HSET', key, me, count) end
  redis.call('PEXPIRE', key, ttl)
  local sum = 0
  local fields = redis.call('HGETALL', key)
  for j = 1, #fields, 2 do
    if fields[j] ~= me then sum = sum + tonumber(fields[j + 1]) end
  end
  others[i] = sum
end
return others`;

interface WindowCount {
  window: number;
  ttl: number;
  /** Our hits in this window. */
  own: number;
  /** Our hits as Redis last confirmed them. */
  synced: number;
  /** The other instances' hits in this window, as Redis said at the last sync. */
  others: number;
}

/**
 * Fixed one-window-per-ttl counts per key, shared by every instance through Redis without
 * a round trip per request: each instance counts its own hits and, every 100 ms, writes
 * its count for the window to Redis and learns the others' in the same reply. Another
 * instance's hits are therefore seen about 100 ms late.
 *
 * While Redis cannot be reached or does not answer, each instance goes on refusing once
 * its own hits plus the others' hits it last learned pass the limit: across N instances a
 * subject gets at most N times the limit in that window, and the shared count is exact
 * again at the first sync that succeeds. At most one sync is in flight.
 */
export class SharedWindowStorage implements ThrottlerStorage {
  private readonly counts = new Map<string, WindowCount>();
  private readonly instance = randomUUID();
  private readonly timer: NodeJS.Timeout;
  private syncing = false;

  constructor(private readonly redis: RedisConnection) {
    this.timer = setInterval(() => void this.sync(), SYNC_EVERY_MS);
    this.timer.unref();
  }

  async increment(key: string, ttl: number, limit: number, _blockDuration: number, name: string) {
    const now = Date.now();
    const window = Math.floor(now / ttl);
    const id = `${name}:${key}:${ttl}`;
    let count = this.counts.get(id);
    if (!count || count.window !== window) {
      count = { window, ttl, own: 0, synced: 0, others: 0 };
      this.counts.set(id, count);
    }
    count.own += 1;
    const totalHits = count.own + count.others;
    const msLeft = (window + 1) * ttl - now;
    const isBlocked = totalHits > limit;
    const secondsLeft = Math.ceil(msLeft / 1000);
    return { totalHits, timeToExpire: secondsLeft, isBlocked, timeToBlockExpire: isBlocked ? secondsLeft : 0 };
  }

  /** For tests and shutdown: stop syncing. */
  close(): void {
    clearInterval(this.timer);
  }

  private async sync(): Promise<void> {
    if (this.syncing) return;
    const batch: Array<{ key: string; count: WindowCount; sent: number }> = [];
    for (const [id, count] of this.counts) {
      if (count.window < Math.floor(Date.now() / count.ttl)) this.counts.delete(id);
      else if (count.own > count.synced) batch.push({ key: `ratelimit:${id}:${count.window}:instances`, count, sent: count.own });
    }
    const client = this.redis.client;
    if (batch.length === 0 || !client || !this.redis.isReady) return;
    this.syncing = true;
    try {
      const ttl = Math.max(...batch.map(({ count }) => count.ttl)) * 2;
      const others = (await client.eval(
        SYNC_SCRIPT,
        batch.length,
        ...batch.map(({ key }) => key),
        this.instance,
        ttl,
        ...batch.map(({ sent }) => sent),
      )) as number[];
      batch.forEach(({ count, sent }, index) => {
        count.synced = Math.max(count.synced, sent);
        count.others = Number(others[index]);
      });
    } catch {
      // Unconfirmed: the absolute counts go again with the next sync, whatever became of these.
    } finally {
      this.syncing = false;
    }
  }
}
