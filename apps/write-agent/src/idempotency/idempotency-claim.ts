import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '@app/platform';

/** A request's Idempotency-Key, scoped to its token subject, and what the key stands for. */
export interface IdempotencyClaim {
  readonly subject: string;
  readonly key: string;
  /** The method, path and body: a repeat must send the same ones. */
  readonly fingerprint: string;
}

/** The claim of a request, from the Idempotency-Key header value (undefined when absent). */
export function idempotencyClaimOf(request: FastifyRequest, subject: string, key: string | undefined): IdempotencyClaim | undefined {
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 255) {
    throw ProblemException.badRequest('Idempotency-Key must be 1 to 255 characters long.', [
      { field: 'idempotency-key', message: 'must be 1 to 255 characters long' },
    ], 'invalid-header');
  }
  // The body as parsed, before validation: no body at all counts as {} as it does for the pipes.
  const fingerprint = createHash('sha256')
    .update(`${request.method} ${request.url}\n${JSON.stringify(request.body ?? {})}`)
    .digest('hex');
  return { subject, key, fingerprint };
}
