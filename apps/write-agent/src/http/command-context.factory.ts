import type { FastifyRequest } from 'fastify';
import { ANONYMOUS, ProblemException } from '@app/platform';
import type { CommandContext } from '../commands/command-context.js';
import { idempotencyClaimOf } from '../idempotency/idempotency-claim.js';

const STRONG_TAG = /^"(\d{1,9})"$/;

/** A header's value; a header sent twice is refused rather than guessed at. */
export function singleHeader(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  if (Array.isArray(value)) {
    throw ProblemException.badRequest(`Send the ${name} header once.`, [{ field: name, message: 'must be sent once' }], 'invalid-header');
  }
  return value;
}

function expectedRevisionOf(request: FastifyRequest): number | undefined {
  const value = singleHeader(request, 'if-match');
  if (value === undefined) return undefined;
  const match = STRONG_TAG.exec(value.trim());
  if (!match) {
    throw ProblemException.badRequest('If-Match must be a strong ETag such as "3".', [
      { field: 'if-match', message: 'must be a revision in double quotes, e.g. "3"' },
    ], 'invalid-header');
  }
  return Number(match[1]);
}

// Read by the command interceptor and by @CommandCtx() alike: the headers are parsed once.
const contexts = new WeakMap<FastifyRequest, CommandContext>();

/** The command context of a request: who, its request id, If-Match and Idempotency-Key; 400 on a bad header. */
export function commandContextOf(request: FastifyRequest): CommandContext {
  let context = contexts.get(request);
  if (!context) {
    const subject = (request.principal ?? ANONYMOUS).subject;
    context = {
      requestId: String(request.id),
      subject,
      expectedRevision: expectedRevisionOf(request),
      idempotency: idempotencyClaimOf(request, subject, singleHeader(request, 'idempotency-key')),
    };
    contexts.set(request, context);
  }
  return context;
}
