import { Inject, Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { httpConfig, type HttpConfig } from '../config/http.config.js';
import { RATE_LIMIT_NAME, RATE_LIMIT_WINDOW_MS, rateLimited, rateLimitKey, rateLimitTracker } from './rate-limit-subject.js';

/**
 * The rate limit of SubjectThrottlerGuard, for routes that Nest's router does not serve
 * (direct routes): the same storage, counts and 429 answer.
 */
@Injectable()
export class SubjectRateLimit {
  private readonly limit: number;

  constructor(
    @Inject(httpConfig.KEY) http: HttpConfig,
    @InjectThrottlerStorage() private readonly storage: ThrottlerStorage,
  ) {
    this.limit = http.rateLimitPerMinute;
  }

  /** Counts the request against its subject; throws the 429 problem over the limit. */
  async consume(request: FastifyRequest): Promise<void> {
    if (this.limit === 0) return;
    const key = rateLimitKey(RATE_LIMIT_NAME, rateLimitTracker(request));
    const hit = await this.storage.increment(key, RATE_LIMIT_WINDOW_MS, this.limit, RATE_LIMIT_WINDOW_MS, RATE_LIMIT_NAME);
    if (hit.isBlocked) throw rateLimited(this.limit, hit.timeToBlockExpire || hit.timeToExpire);
  }
}
