import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { minPositionOf } from './query-input.js';

/** The X-Min-Position header as a log position; undefined without it; 400 when it cannot be a token. */
export const MinPosition = createParamDecorator((_: unknown, context: ExecutionContext) =>
  minPositionOf(context.switchToHttp().getRequest<FastifyRequest>()),
);
