import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis, type RedisOptions } from 'ioredis';
import { watchForHungMaster } from './hung-master-watch.js';
import { DEFAULT_REDIS_COMMAND_TIMEOUT_MS, redisConfig, type RedisConfig } from '../config/redis.config.js';

/** Between reconnection attempts (to the master, or to the sentinels): 200 ms more each time, at most 2 s. */
const backoff = (attempt: number) => Math.min(attempt * 200, 2_000);

/**
 * The one place a Redis client is made from the configuration: to REDIS_URL, or to the
 * master the sentinels of REDIS_SENTINELS report for REDIS_SENTINEL_NAME. Null when
 * neither is set. `options` adds to (or overrides) the settings of the agents' connection.
 *
 * With Sentinel, every (re)connection first asks the sentinels, one after the other, for
 * the master's address and then checks that the node it reaches reports role:master
 * (ioredis' ready check), so after a failover the client lands on the promoted replica
 * by itself. Sentinel closes the clients of the nodes it reconfigures (CLIENT KILL), and
 * a READONLY reply (a node demoted under an open connection) reconnects too.
 *
 * ioredis' `failoverDetector` (reconnect on +switch-master) stays off: a +switch-master
 * that arrives while the client is between a sentinel's reply and the master's address
 * ends the client for good (status "end", every command "Connection is closed."), which
 * the failover test ran into. Without it, a master that hangs without closing its
 * connections (SIGSTOP) is left by the agents through watchForHungMaster instead.
 */
export function createRedisClient(config: RedisConfig, options: RedisOptions = {}): Redis | null {
  const common: RedisOptions = {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: config.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: backoff,
  };
  if (config.sentinel) {
    return new Redis({
      ...common,
      sentinels: config.sentinel.sentinels,
      name: config.sentinel.name,
      password: config.sentinel.password,
      sentinelPassword: config.sentinel.sentinelPassword,
      role: 'master',
      sentinelRetryStrategy: backoff,
      // A sentinel that stops answering is skipped for the next one rather than waited for.
      sentinelCommandTimeout: 1_000,
      failoverDetector: false,
      reconnectOnError: (error) => error.message.startsWith('READONLY'),
      ...options,
    });
  }
  return config.url ? new Redis(config.url, { ...common, ...options }) : null;
}

/** Where the client goes, for log lines: the URL, or the master name and its sentinels. */
export function describeRedis(config: RedisConfig): string {
  if (config.sentinel) {
    const sentinels = config.sentinel.sentinels.map(({ host, port }) => `${host.includes(':') ? `[${host}]` : host}:${port}`);
    return `master "${config.sentinel.name}" of sentinels ${sentinels.join(',')}`;
  }
  return config.url ? config.url.replace(/\/\/[^@/]*@/, '//***@') : 'none';
}

/**
 * The agent's Redis connection, when REDIS_URL or REDIS_SENTINELS is set. Redis is
 * optional for both agents, so no call may wait long for it, and callers fall back:
 * - no offline queue: while the connection is down a command fails at once, rather than
 *   waiting for a reconnection and being sent late (stale counts, stale wake-ups);
 * - a command timeout: a Redis that stops answering without closing the connection
 *   (frozen, SIGSTOP) fails each command after REDIS_COMMAND_TIMEOUT_MS. The connection
 *   is kept, so what a frozen Redis had received is still applied when it wakes up: every
 *   write through this connection is one that may land late (fenced, idempotent or a mere
 *   wake-up). Commands in flight are bounded by their callers: one rate-limit sync and one
 *   wake-up at a time, queries behind a breaker, the projector backing off.
 * The same holds while Sentinel fails the master over: commands fail at once until the
 * client has reconnected to the promoted replica (docs/reliability.md).
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  readonly client: Redis | null;
  private readonly logger = new Logger('Redis');
  private stopWatch?: () => void;

  constructor(@Inject(redisConfig.KEY) config: RedisConfig) {
    this.client = createRedisClient(config);
    this.client?.on('error', (error) => this.logger.warn(`Redis unavailable: ${error.message}`));
    if (config.sentinel && this.client) {
      // Which node the sentinels led to, at start-up and after each failover.
      this.client.on('ready', () => {
        const stream = this.client?.stream;
        this.logger.log(`Redis ready: ${describeRedis(config)} is ${stream?.remoteAddress}:${stream?.remotePort}`);
      });
      this.stopWatch = watchForHungMaster(this.client, {
        onReconnect: (reason) => this.logger.warn(`Redis master not answering (${reason}): asking the sentinels again`),
      });
    }
    if (!this.client) this.logger.warn('neither REDIS_URL nor REDIS_SENTINELS is set: running without Redis');
  }

  get isReady(): boolean {
    return this.client?.status === 'ready';
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopWatch?.();
    await this.client?.quit().catch(() => this.client?.disconnect());
  }
}
