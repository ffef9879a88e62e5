import { HttpException } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { DOMAIN_ERROR_STATUS } from './domain-error-status.js';
import { problem, type ProblemDetails } from './problem.js';
import { ProblemException } from './problem.exception.js';
import { UnavailableError } from './unavailable.error.js';

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
  if (error instanceof UnavailableError) {
    return {
      body: problem(503, error.detail, error.code),
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
      unexpected: false,
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
