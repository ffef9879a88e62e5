import type { ThrottlerStorage } from '@nestjs/throttler';
import type { RedisConnection } from '../redis/redis-connection.js';

const SYNC_EVERY_MS = 100;

interface WindowCount {
  window: number;
  /** Hits of every instance, as Redis said at the last sync (ours included). */
  shared: number;
  /** Our hits since the last sync. */
  unsynced: number;
}

/**
 * Fixed one-window-per-ttl counts per key, shared by every instance through Redis without
 * a round trip per request: each instance counts locally and adds its hits to the Redis
 * count every 100 ms (INCRBY), learning the others' hits in the same reply. Another
 * instance's hits are therefore seen up to 100 ms late; while Redis is down each instance
 * goes on counting its own.
 */
export class SharedWindowStorage implements ThrottlerStorage {
  private readonly counts = new Map<string, WindowCount>();
  private readonly timer: NodeJS.Timeout;

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
      count = { window, shared: 0, unsynced: 0 };
      this.counts.set(id, count);
    }
    count.unsynced += 1;
    const totalHits = count.shared + count.unsynced;
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
    const batch: Array<[string, WindowCount, number]> = [];
    for (const [id, count] of this.counts) {
      const ttl = Number(id.slice(id.lastIndexOf(':') + 1));
      if (count.window < Math.floor(Date.now() / ttl)) {
        this.counts.delete(id);
      } else if (count.unsynced > 0) {
        batch.push([id, count, ttl]);
      }
    }
    const client = this.redis.client;
    if (batch.length === 0 || !client || !this.redis.isReady) return;
    const pipeline = client.pipeline();
    for (const [id, count, ttl] of batch) {
      const key = `ratelimit:${id}:${count.window}`;
      pipeline.incrby(key, count.unsynced).pexpire(key, ttl * 2);
    }
    const sent = batch.map(([, count]) => count.unsynced);
    batch.forEach(([, count]) => (count.unsynced = 0));
    try {
      const replies = (await pipeline.exec()) ?? [];
      batch.forEach(([, count], index) => {
        const [error, total] = replies[index * 2] ?? [new Error('no reply')];
        if (error) count.unsynced += sent[index];
        else count.shared = Number(total);
      });
    } catch {
      batch.forEach(([, count], index) => (count.unsynced += sent[index]));
    }
  }
}
