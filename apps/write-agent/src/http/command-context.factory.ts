import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ANONYMOUS, ProblemException } from '@app/platform';
import type { CommandContext, IdempotencyClaim } from '../commands/command-context.js';

const STRONG_TAG = /^"(\d{1,9})"$/;

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  if (Array.isArray(value)) {
    throw ProblemException.badRequest(`Send the ${name} header once.`, [{ field: name, message: 'must be sent once' }], 'invalid-header');
  }
  return value;
}

function expectedRevisionOf(request: FastifyRequest): number | undefined {
  const value = header(request, 'if-match');
  if (value === undefined) return undefined;
  const match = STRONG_TAG.exec(value.trim());
  if (!match) {
    throw ProblemException.badRequest('If-Match must be a strong ETag such as "3".', [
      { field: 'if-match', message: 'must be a revision in double quotes, e.g. "3"' },
    ], 'invalid-header');
  }
  return Number(match[1]);
}

function idempotencyClaimOf(request: FastifyRequest, subject: string): IdempotencyClaim | undefined {
  const key = header(request, 'idempotency-key');
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 255) {
    throw ProblemException.badRequest('Idempotency-Key must be 1 to 255 characters long.', [
      { field: 'idempotency-key', message: 'must be 1 to 255 characters long' },
    ], 'invalid-header');
  }
  const fingerprint = createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? {})}`)
    .digest('hex');
  return { subject, key, fingerprint };
}

/** The command context of a request: who, its request id, If-Match and Idempotency-Key. */
export function commandContextOf(request: FastifyRequest): CommandContext {
  const subject = (request.principal ?? ANONYMOUS).subject;
  return {
    requestId: String(request.id),
    subject,
    expectedRevision: expectedRevisionOf(request),
    idempotency: idempotencyClaimOf(request, subject),
  };
}
