import { Inject, Injectable, Logger, type CanActivate, type ExecutionContext, type OnModuleInit } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { authConfig, type AuthConfig } from '../config/auth.config.js';
import { problem } from '../errors/problem.js';
import { ProblemException } from '../errors/problem.exception.js';
import { JwtVerifier } from './jwt-verifier.js';
import { ANONYMOUS } from './principal.js';
import { REQUIRED_SCOPE } from './required-scope.decorator.js';

const BEARER = /^Bearer ([A-Za-z0-9_\-.=]+)$/;
const CHALLENGE = { 'WWW-Authenticate': 'Bearer' };

/** Checks the bearer token and scope of every route marked with @RequiredScope. */
@Injectable()
export class AuthGuard implements CanActivate, OnModuleInit {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly verifier: JwtVerifier,
    @Inject(authConfig.KEY) private readonly config: AuthConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.disabled) this.logger.warn('AUTH_DISABLED=true: every request is accepted without a token');
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scope = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!scope) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (this.config.disabled) {
      request.principal = ANONYMOUS;
      return true;
    }

    const match = BEARER.exec(request.headers.authorization ?? '');
    if (!match) throw new ProblemException(problem(401, 'A bearer token is required.', 'unauthorized'), CHALLENGE);
    let principal;
    try {
      principal = await this.verifier.verify(match[1]);
    } catch {
      throw new ProblemException(problem(401, 'The bearer token is invalid or expired.', 'unauthorized'), CHALLENGE);
    }
    if (!principal.scopes.has(scope)) {
      throw new ProblemException(problem(403, `The token lacks the scope ${scope}.`, 'forbidden'));
    }
    request.principal = principal;
    return true;
  }
}
