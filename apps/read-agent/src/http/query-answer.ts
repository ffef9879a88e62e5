import type { FastifyReply, FastifyRequest } from 'fastify';
import { problem, ProblemException } from '@app/platform';
import type { Sourced } from '../stores/read-source.js';
import { noneMatch } from './etags.js';

/**
 * Sends a query's answer: X-Data-Source always, the ETag, and 304 without a body when
 * If-None-Match names it. Returns the body to send (undefined for a 304).
 */
export function answer<T>(request: FastifyRequest, reply: FastifyReply, sourced: Sourced<T>, etag: (value: T) => string): T | undefined {
  const tag = etag(sourced.value);
  reply.header('X-Data-Source', sourced.source).header('ETag', tag);
  if (noneMatch(request.headers['if-none-match'], tag)) {
    reply.status(304);
    return undefined;
  }
  return sourced.value;
}

/** Like answer, for a lookup by id: a missing aggregate is a 404 that still names its source. */
export function answerFound<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  sourced: Sourced<T | null>,
  etag: (value: T) => string,
  missing: string,
): T | undefined {
  const { value, source } = sourced;
  if (value === null) {
    throw new ProblemException(problem(404, missing, 'not-found'), { 'X-Data-Source': source });
  }
  return answer(request, reply, { value, source }, etag);
}
