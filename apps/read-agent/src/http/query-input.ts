import type { FastifyRequest } from 'fastify';
import { parsePositionToken, type LogPosition } from '@app/domain';
import { ParseIdPipe, ProblemException } from '@app/platform';

// The input checks of the query routes, as plain functions: the Nest routes use them
// through decorators and interceptors, the direct routes (lookup.routes.ts) call them.

const parseId = new ParseIdPipe();

/** The `id` path parameter, lower-cased; 400 when it is not a UUID, as ParseIdPipe answers. */
export function idParameter(request: FastifyRequest): string {
  return parseId.transform((request.params as { id: string }).id, { type: 'param', data: 'id' });
}

/** The 400 of query parameters a route does not take, worded as the ValidationPipe's whitelist. */
export function unknownParameters(names: string[]): ProblemException {
  return ProblemException.badRequest(
    `The request has ${names.length} invalid field(s).`,
    names.map((field) => ({ field, message: `property ${field} should not exist` })),
  );
}

/** For a route that takes no query parameters: 400 for any. */
export function refuseQueryParameters(request: FastifyRequest): void {
  const names = Object.keys((request.query ?? {}) as object);
  if (names.length > 0) throw unknownParameters(names);
}

const invalidPosition = () =>
  ProblemException.badRequest(
    'X-Min-Position must be a position token from a command answer, sent once.',
    [{ field: 'x-min-position', message: 'must be a position token such as 7521.1042, as a command answered it' }],
    'invalid-header',
  );

/** The X-Min-Position header as a log position; undefined without it; 400 when it cannot be a token. */
export function minPositionOf(request: FastifyRequest): LogPosition | undefined {
  const value = request.headers['x-min-position'];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) throw invalidPosition();
  const position = parsePositionToken(value.trim());
  if (!position) throw invalidPosition();
  return position;
}
