import { Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { unknownParameters } from './query-input.js';

// class-transformer drops these keys before the ValidationPipe's whitelist looks, so
// without this check they would be ignored instead of refused as unknown parameters.
const RESERVED = ['__proto__', 'constructor'];

/** Refuses the query parameters `__proto__` and `constructor`, which no query takes. */
@Injectable()
export class ReservedQueryKeysInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler) {
    const query = (context.switchToHttp().getRequest<FastifyRequest>().query ?? {}) as object;
    const found = RESERVED.filter((key) => Object.hasOwn(query, key));
    if (found.length > 0) throw unknownParameters(found);
    return next.handle();
  }
}
