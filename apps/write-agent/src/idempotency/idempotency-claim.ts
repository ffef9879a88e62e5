import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '@app/platform';
import { canonicalJson } from './canonical-json.js';

/** A request's Idempotency-Key, scoped to its token subject, and what the key stands for. */
export interface IdempotencyClaim {
  readonly subject: string;
  readonly key: string;
  /** The method, path and body (as a JSON value): a repeat must send the same ones. */
  readonly fingerprint: string;
  /**
   * The fingerprint as it was computed before bodies were compared as JSON values (the
   * body's own key order), so that a key stored then still replays its exact repeat.
   */
  readonly legacyFingerprint?: string;
}

/** Whether a key's stored fingerprint stands for this claim's request. */
export function isSameRequest(claim: IdempotencyClaim, storedFingerprint: string): boolean {
  return storedFingerprint === claim.fingerprint || storedFingerprint === claim.legacyFingerprint;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/** The claim of a request, from the Idempotency-Key header value (undefined when absent). */
export function idempotencyClaimOf(request: FastifyRequest, subject: string, key: string | undefined): IdempotencyClaim | undefined {
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 255) {
    throw ProblemException.badRequest('Idempotency-Key must be 1 to 255 characters long.', [
      { field: 'idempotency-key', message: 'must be 1 to 255 characters long' },
    ], 'invalid-header');
  }
  // The body as parsed, before validation: no body at all counts as {} as it does for the
  // pipes. Compared as a JSON value: another key order or spacing is the same request.
  const body = request.body ?? {};
  const head = `${request.method} ${request.url}\n`;
  const fingerprint = sha256(head + canonicalJson(body));
  const legacyFingerprint = sha256(head + JSON.stringify(body));
  return legacyFingerprint === fingerprint ? { subject, key, fingerprint } : { subject, key, fingerprint, legacyFingerprint };
}
