import { HttpException } from '@nestjs/common';
import { DomainError } from '@app/domain';
import { DOMAIN_ERROR_STATUS } from './domain-error-status.js';
import { problem, type ProblemDetails } from './problem.js';
import { ProblemException } from './problem.exception.js';

export interface ProblemAnswer {
  body: ProblemDetails;
  headers: Record<string, string>;
  /** True when the error is ours (a bug or an outage), to be logged with its stack. */
  unexpected: boolean;
}

/** Fastify's own errors (body too large, bad content) carry a 4xx statusCode. */
function fastifyClientError(error: unknown): { statusCode: number; message: string } | undefined {
  const candidate = error as { statusCode?: unknown; code?: unknown; message?: unknown };
  if (
    typeof candidate?.statusCode === 'number' &&
    candidate.statusCode >= 400 &&
    candidate.statusCode < 500 &&
    typeof candidate.code === 'string' &&
    candidate.code.startsWith('FST_')
  ) {
    return { statusCode: candidate.statusCode, message: String(candidate.message) };
  }
  return undefined;
}

const FASTIFY_DETAILS: Record<number, string> = {
  400: 'The request body is not valid JSON.',
  413: 'The request body is larger than 64 KiB.',
  415: 'The request body must be JSON (Content-Type: application/json).',
};

/** Turns anything thrown while answering into the problem+json answer the client sees. */
export function toProblem(error: unknown): ProblemAnswer {
  if (error instanceof ProblemException) {
    return { body: error.problem, headers: error.headers, unexpected: false };
  }
  if (error instanceof DomainError) {
    return { body: problem(DOMAIN_ERROR_STATUS[error.kind], error.message, error.code), headers: {}, unexpected: false };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const detail =
      typeof response === 'object' && response !== null && 'message' in response
        ? String((response as { message: unknown }).message)
        : error.message;
    return { body: problem(status, status === 404 ? 'No such route.' : detail), headers: {}, unexpected: status >= 500 };
  }
  const fastify = fastifyClientError(error);
  if (fastify) {
    const detail = FASTIFY_DETAILS[fastify.statusCode] ?? 'The request could not be read.';
    return { body: problem(fastify.statusCode, detail), headers: {}, unexpected: false };
  }
  return {
    body: problem(500, 'The server could not complete the request; it has been logged.'),
    headers: {},
    unexpected: true,
  };
}
