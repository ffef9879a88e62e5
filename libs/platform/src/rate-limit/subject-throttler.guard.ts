import { Injectable } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { ANONYMOUS } from '../auth/principal.js';

/** Counts requests per token subject; per client address when there is no token. */
@Injectable()
export class SubjectThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: FastifyRequest): Promise<string> {
    const principal = request.principal;
    return principal && principal !== ANONYMOUS ? `sub:${principal.subject}` : `ip:${request.ip}`;
  }
}
