import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { authConfig, type AuthConfig } from '../config/auth.config.js';
import { problem } from '../errors/problem.js';
import { ProblemException } from '../errors/problem.exception.js';
import { JwtVerifier } from './jwt-verifier.js';
import { ANONYMOUS } from './principal.js';

const BEARER = /^Bearer ([A-Za-z0-9_\-.=]+)$/;
const CHALLENGE = { 'WWW-Authenticate': 'Bearer' };

/** Checks a request's bearer token and scope; sets request.principal once the token is valid. */
@Injectable()
export class Authenticator {
  constructor(
    private readonly verifier: JwtVerifier,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {}

  get disabled(): boolean {
    return this.config.disabled;
  }

  /** Throws a 401 (no or bad token) or 403 (scope missing) problem. */
  async authenticate(request: FastifyRequest, scope: string): Promise<void> {
    if (this.config.disabled) {
      request.principal = ANONYMOUS;
      return;
    }
    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) throw new ProblemException(problem(401, 'A bearer token is required.', 'unauthorized'), CHALLENGE);
    let principal;
    try {
      principal = await this.verifier.verify(match[1]);
    } catch {
      throw new ProblemException(problem(401, 'The bearer token is invalid or expired.', 'unauthorized'), CHALLENGE);
    }
    // Set before the scope check: a valid token lacking the scope is still counted
    // against its subject by the rate limit (rate-limit/request-gate.ts).
    request.principal = principal;
    if (!principal.scopes.has(scope)) {
      throw new ProblemException(problem(403, `The token lacks the scope ${scope}.`, 'forbidden'));
    }
  }
}
