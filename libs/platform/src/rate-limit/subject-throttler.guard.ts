import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { rateLimited, rateLimitKey, rateLimitTracker } from './rate-limit-subject.js';

/** Counts requests per token subject; per client address when there is no token. */
@Injectable()
export class SubjectThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: FastifyRequest): Promise<string> {
    return rateLimitTracker(request);
  }

  /** One count per subject across every route (the default keys per route handler). */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return rateLimitKey(name, tracker);
  }

  protected override async throwThrottlingException(_context: ExecutionContext, limit: ThrottlerLimitDetail): Promise<void> {
    throw rateLimited(limit.limit, limit.timeToBlockExpire || limit.timeToExpire);
  }
}
