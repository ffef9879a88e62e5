import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { redisConfig, type RedisConfig } from '../config/redis.config.js';

/**
 * The agent's Redis connection, when REDIS_URL is set. Redis is optional for both agents,
 * so commands fail fast while it is down (no offline queue) and callers fall back.
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
