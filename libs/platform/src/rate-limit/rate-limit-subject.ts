import type { FastifyRequest } from 'fastify';
import { ANONYMOUS } from '../auth/principal.js';
import { problem } from '../errors/problem.js';
import { ProblemException } from '../errors/problem.exception.js';

export const RATE_LIMIT_WINDOW_MS = 60_000;
export const RATE_LIMIT_NAME = 'default';

/**
 * Who a request counts against: the subject of its valid token, or its client address when
 * the token is missing or invalid (or authentication is off).
 */
export function rateLimitTracker(request: FastifyRequest): string {
  const principal = request.principal;
  return principal && principal !== ANONYMOUS ? `sub:${principal.subject}` : `ip:${request.ip}`;
}

/** One count per subject across every route. */
export const rateLimitKey = (name: string, tracker: string) => `${name}:${tracker}`;

export function rateLimited(limit: number, retryAfterSeconds: number): ProblemException {
  const retryAfter = Math.max(1, retryAfterSeconds);
  return new ProblemException(
    problem(429, `More than ${limit} requests in a minute; retry in ${retryAfter} s.`, 'rate-limited'),
    { 'Retry-After': String(retryAfter) },
  );
}
