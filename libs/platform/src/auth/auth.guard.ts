import { Injectable, Logger, type CanActivate, type ExecutionContext, type OnModuleInit } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { RequestGate } from '../rate-limit/request-gate.js';
import { Authenticator } from './authenticator.js';
import { REQUIRED_SCOPE } from './required-scope.decorator.js';

/**
 * Checks the bearer token and scope of every route marked with @RequiredScope, and counts
 * the request against the rate limit before refusing it (RequestGate).
 */
@Injectable()
export class AuthGuard implements CanActivate, OnModuleInit {
  private readonly logger = new Logger('Auth');

  constructor(
    private readonly reflector: Reflector,
    private readonly authenticator: Authenticator,
    private readonly gate: RequestGate,
  ) {}

  onModuleInit(): void {
    if (this.authenticator.disabled) this.logger.warn('AUTH_DISABLED=true: every request is accepted without a token');
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const scope = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_SCOPE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!scope) return true;
    await this.gate.admit(context.switchToHttp().getRequest<FastifyRequest>(), scope);
    return true;
  }
}
