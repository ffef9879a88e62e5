import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import { LuaScript } from '../redis-views/lua-script.js';
import { FENCE_KEY, HANDOVER_KEY, LEASE_KEY, LEASE_RELEASED_CHANNEL } from '../redis-views/redis-layout.js';

// The holder's token is "<fence>:<candidate>": a fresh fencing number per acquisition, so
// a holder that lost the lease (even one that later wins it again) never matches an old token.
const ACQUIRE = new LuaScript(`
local handover = redis.call('GET', KEYS[3])
if redis.call('EXISTS', KEYS[1]) == 1 or (handover and handover ~= ARGV[1]) then
  return {0, redis.call('PTTL', KEYS[1])}
end
local owner = redis.call('INCR', KEYS[2]) .. ':' .. ARGV[1]
redis.call('SET', KEYS[1], owner, 'NX', 'PX', ARGV[2])
return {1, owner}`);

// A rebuild that asked for the lease (HANDOVER_KEY) gets it at the holder's next renewal.
const RENEW = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
local handover = redis.call('GET', KEYS[2])
if handover and handover ~= ARGV[3] then
  redis.call('DEL', KEYS[1])
  return -1
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`);

const RELEASE = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1`);

const WITHDRAW_HANDOVER = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`);

export type Acquisition = { acquired: true; owner: string } | { acquired: false; retryInMs: number };

/** The projector lease in Redis: one holder at a time across every read agent. */
export class ProjectorLease {
  /** The token written with every fenced batch while the lease is held. */
  owner: string | null = null;
  readonly candidate = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private renewal: NodeJS.Timeout | undefined;
  private renewedAt = 0;

  constructor(
    private readonly redis: Redis,
    readonly leaseMs: number,
  ) {}

  async tryAcquire(): Promise<Acquisition> {
    const [acquired, detail] = (await ACQUIRE.run(
      this.redis,
      [LEASE_KEY, FENCE_KEY, HANDOVER_KEY],
      [this.candidate, this.leaseMs],
    )) as [number, string | number];
    if (acquired === 1) {
      this.owner = String(detail);
      return { acquired: true, owner: this.owner };
    }
    // Retry just after the current lease would expire, so a dead holder is replaced in time.
    // No lease but no acquisition either: a rebuild asked for it, and says when it is done.
    const ttl = Number(detail);
    return { acquired: false, retryInMs: ttl > 0 ? Math.min(ttl + 5, this.leaseMs) : Math.floor(this.leaseMs / 3) };
  }

  /** False when the lease is no longer ours (expired, taken, or handed over to a rebuild). */
  async renew(): Promise<boolean> {
    if (!this.owner) return false;
    const renewed = await RENEW.run(this.redis, [LEASE_KEY, HANDOVER_KEY], [this.owner, this.leaseMs, this.candidate]);
    if (renewed !== 1) this.owner = null;
    return renewed === 1;
  }

  /**
   * Renews every leaseMs/3 until the lease is lost, released or abandoned. While Redis
   * cannot be reached the lease counts as held until it would have expired.
   */
  keepAlive(onLost: (reason: string) => void): void {
    this.renewedAt = Date.now();
    const tick = async () => {
      if (!this.owner) return;
      try {
        if (!(await this.renew())) return onLost('the lease was taken over or handed to a rebuild');
        this.renewedAt = Date.now();
      } catch (error) {
        if (Date.now() - this.renewedAt >= this.leaseMs) {
          this.owner = null;
          return onLost(`not renewed for ${this.leaseMs} ms: ${(error as Error).message}`);
        }
      }
      this.schedule(tick);
    };
    this.schedule(tick);
  }

  async release(): Promise<void> {
    clearTimeout(this.renewal);
    const owner = this.owner;
    this.owner = null;
    if (!owner) return;
    if ((await RELEASE.run(this.redis, [LEASE_KEY], [owner])) === 1) {
      await this.redis.publish(LEASE_RELEASED_CHANNEL, owner);
    }
  }

  /**
   * Asks the holder to hand the lease to this candidate at its next renewal, and every
   * other candidate to leave it alone; the request lapses after `ttlMs` unless repeated.
   */
  async requestHandover(ttlMs: number): Promise<void> {
    await this.redis.set(HANDOVER_KEY, this.candidate, 'PX', ttlMs);
  }

  async withdrawHandover(): Promise<void> {
    await WITHDRAW_HANDOVER.run(this.redis, [HANDOVER_KEY], [this.candidate]);
  }

  /** Forgets the lease without releasing it, as a holder that died would. */
  abandon(): void {
    clearTimeout(this.renewal);
    this.owner = null;
  }

  private schedule(tick: () => Promise<void>): void {
    this.renewal = setTimeout(tick, Math.floor(this.leaseMs / 3));
    this.renewal.unref();
  }
}
