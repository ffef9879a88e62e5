import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { commandContextOf } from './command-context.factory.js';

/** The CommandContext of the request (request id, subject, If-Match, Idempotency-Key). */
export const CommandCtx = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  commandContextOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
