import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { parsePositionToken, type LogPosition } from '@app/domain';
import { ProblemException } from '@app/platform';

const invalid = () =>
  ProblemException.badRequest(
    'X-Min-Position must be a position token from a command answer, sent once.',
    [{ field: 'x-min-position', message: 'must be a position token such as 7521.1042, as a command answered it' }],
    'invalid-header',
  );

/** The X-Min-Position header as a log position; undefined without it; 400 when it cannot be a token. */
export const MinPosition = createParamDecorator((_: unknown, context: ExecutionContext): LogPosition | undefined => {
  const value = context.switchToHttp().getRequest<FastifyRequest>().headers['x-min-position'];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw invalid();
  const position = parsePositionToken(value.trim());
  if (!position) throw invalid();
  return position;
});
