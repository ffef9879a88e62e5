import { Injectable, type ExecutionContext } from '@nestjs/common';
import { ThrottlerGuard, type ThrottlerLimitDetail } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { ANONYMOUS } from '../auth/principal.js';
import { problem } from '../errors/problem.js';
import { ProblemException } from '../errors/problem.exception.js';

/** Counts requests per token subject; per client address when there is no token. */
@Injectable()
export class SubjectThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: FastifyRequest): Promise<string> {
    const principal = request.principal;
    return principal && principal !== ANONYMOUS ? `sub:${principal.subject}` : `ip:${request.ip}`;
  }

  /** One count per subject across every route (the default keys per route handler). */
  protected override generateKey(_context: ExecutionContext, tracker: string, name: string): string {
    return `${name}:${tracker}`;
  }

  protected override async throwThrottlingException(_context: ExecutionContext, limit: ThrottlerLimitDetail): Promise<void> {
    const retryAfter = Math.max(1, limit.timeToBlockExpire || limit.timeToExpire);
    throw new ProblemException(
      problem(429, `More than ${limit.limit} requests in a minute; retry in ${retryAfter} s.`, 'rate-limited'),
      { 'Retry-After': String(retryAfter) },
    );
  }
}
