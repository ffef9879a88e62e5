import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { DEFAULT_REDIS_COMMAND_TIMEOUT_MS, redisConfig, type RedisConfig } from '../config/redis.config.js';

/**
 * The agent's Redis connection, when REDIS_URL is set. Redis is optional for both agents,
 * so no call may wait long for it, and callers fall back:
 * - no offline queue: while the connection is down a command fails at once, rather than
 *   waiting for a reconnection and being sent late (stale counts, stale wake-ups);
 * - a command timeout: a Redis that stops answering without closing the connection
 *   (frozen, SIGSTOP) fails each command after REDIS_COMMAND_TIMEOUT_MS. The connection
 *   is kept, so what a frozen Redis had received is still applied when it wakes up: every
 *   write through this connection is one that may land late (fenced, idempotent or a mere
 *   wake-up). Commands in flight are bounded by their callers: one rate-limit sync and one
 *   wake-up at a time, queries behind a breaker, the projector backing off.
 */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  readonly client: Redis | null;
  private readonly logger = new Logger('Redis');

  constructor(@Inject(redisConfig.KEY) config: RedisConfig) {
    this.client = config.url
      ? new Redis(config.url, {
          lazyConnect: false,
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2_000,
          commandTimeout: config.commandTimeoutMs ?? DEFAULT_REDIS_COMMAND_TIMEOUT_MS,
          retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
        })
      : null;
    this.client?.on('error', (error) => this.logger.warn(`Redis unavailable: ${error.message}`));
    if (!this.client) this.logger.warn('REDIS_URL is not set: running without Redis');
  }

  get isReady(): boolean {
    return this.client?.status === 'ready';
  }

  async onApplicationShutdown(): Promise<void> {
    await this.client?.quit().catch(() => this.client?.disconnect());
  }
}
