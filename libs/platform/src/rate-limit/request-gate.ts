import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { Authenticator } from '../auth/authenticator.js';
import { SubjectRateLimit } from './subject-rate-limit.js';

/**
 * What every route with a scope goes through, Nest routes (AuthGuard) and direct routes
 * alike: the token is checked, the request is counted, and only then is it refused.
 *
 * The count comes before authentication answers, so that a flood of missing, malformed,
 * expired or forged tokens is limited too (docs/api.md section 2): such a request counts
 * against its client address, a request with a valid token against the token's subject
 * (also when the token lacks the route's scope). Over the limit the answer is 429, before
 * the 401 or 403 that authentication would give.
 */
@Injectable()
export class RequestGate {
  constructor(
    private readonly authenticator: Authenticator,
    private readonly rateLimit: SubjectRateLimit,
  ) {}

  /** Throws the 429, 401 or 403 problem, in that order; sets request.principal on success. */
  async admit(request: FastifyRequest, scope: string): Promise<void> {
    let refusal: { error: unknown } | undefined;
    try {
      await this.authenticator.authenticate(request, scope);
    } catch (error) {
      refusal = { error };
    }
    await this.rateLimit.consume(request);
    if (refusal) throw refusal.error;
  }
}
