import { Inject, Injectable } from '@nestjs/common';
import { InjectThrottlerStorage, ThrottlerStorage } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { httpConfig, type HttpConfig } from '../config/http.config.js';
import { RATE_LIMIT_NAME, RATE_LIMIT_WINDOW_MS, rateLimited, rateLimitKey, rateLimitTracker } from './rate-limit-subject.js';

/**
 * RATE_LIMIT_PER_MINUTE per subject (rateLimitTracker), in the throttler's shared storage;
 * RequestGate calls it for every route with a scope, Nest's and the direct routes.
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
