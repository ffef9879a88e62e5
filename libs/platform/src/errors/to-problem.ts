import { HttpException } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { DOMAIN_ERROR_STATUS } from './domain-error-status.js';
import { problem, type ProblemDetails } from './problem.js';
import { ProblemException } from './problem.exception.js';
import { asStoreUnavailable } from './store-unavailable.js';

export interface ProblemAnswer {
  body: ProblemDetails;
  headers: Record<string, string>;
  /** True when the error is ours (a bug or an outage), to be logged with its stack. */
  unexpected: boolean;
}

// Framework errors (Nest's, and Fastify's that Nest maps to HttpException) get a fixed
// wording: their own messages can name internals.
const FRAMEWORK_DETAILS: Record<number, string> = {
  400: 'The request could not be read.',
  404: 'No such route.',
  405: 'This method is not allowed on this route.',
  413: 'The request body is larger than 64 KiB.',
  415: 'The request body must be JSON (Content-Type: application/json).',
  429: 'Too many requests; retry after the time in Retry-After.',
};

/** Turns anything thrown while answering into the problem+json answer the client sees. */
export function toProblem(error: unknown): ProblemAnswer {
  if (error instanceof ProblemException) {
    return { body: error.problem, headers: error.headers, unexpected: false };
  }
  // A store that is down or hangs (pg, ioredis, our own UnavailableError): 503, retry later.
  const unavailable = asStoreUnavailable(error);
  if (unavailable) {
    return {
      body: problem(503, unavailable.detail, unavailable.code),
      headers: { 'Retry-After': String(unavailable.retryAfterSeconds) },
      // A driver's error is logged (an outage); our own UnavailableError is an answer.
      unexpected: unavailable !== error,
    };
  }
  if (error instanceof DomainError) {
    return { body: problem(DOMAIN_ERROR_STATUS[error.kind], error.message, error.code), headers: {}, unexpected: false };
  }
  if (error instanceof HttpException && error.getStatus() < 500) {
    const status = error.getStatus();
    return { body: problem(status, FRAMEWORK_DETAILS[status] ?? 'The request was refused.'), headers: {}, unexpected: false };
  }
  return {
    body: problem(500, 'The server could not complete the request; it has been logged.'),
    headers: {},
    unexpected: true,
  };
}
