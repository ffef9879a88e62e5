import { Injectable, Optional } from '@nestjs/common';
import { RedisConnection } from '@app/platform';
import { ProjectionReader, type ProjectedRead } from '../redis-views/projection-reader.contract.js';
import { StoreBreaker } from './store-breaker.js';

/**
 * The Redis projections as a store: present when REDIS_URL is set and the projections
 * module provides a reader; behind its own breaker, so a Redis outage costs one fast
 * failure and then nothing until the breaker tries again.
 */
@Injectable()
export class ProjectedViews {
  private readonly breaker: StoreBreaker | undefined;

  constructor(
    private readonly redis: RedisConnection,
    @Optional() private readonly reader?: ProjectionReader,
  ) {
    this.breaker = redis.client && reader ? new StoreBreaker('redis') : undefined;
  }

  /** Why Redis cannot serve at all, or undefined when it is configured. */
  get absence(): string | undefined {
    if (!this.redis.client) return 'REDIS_URL is not set';
    if (!this.reader) return 'this build has no projections';
    return undefined;
  }

  /** Configured and its breaker lets calls through. */
  get usable(): boolean {
    return this.breaker !== undefined && !this.breaker.isOpen;
  }

  read<T>(read: (reader: ProjectionReader) => Promise<ProjectedRead<T>>): Promise<ProjectedRead<T>> {
    if (!this.breaker || !this.reader) return Promise.reject(new Error(`Redis projections unavailable: ${this.absence}`));
    const reader = this.reader;
    return this.breaker.call(() => read(reader));
  }
}
