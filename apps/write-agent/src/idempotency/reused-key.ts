import { problem, ProblemException } from '@app/platform';
import type { IdempotencyClaim } from './idempotency-claim.js';

// Claims whose key already stands for another request. The 422 is raised only when the
// command would run, after the pipes: a request that is also invalid answers 400 first.
const reused = new WeakSet<IdempotencyClaim>();

export function markReused(claim: IdempotencyClaim): void {
  reused.add(claim);
}

export const keyReused = () =>
  new ProblemException(problem(422, 'This Idempotency-Key was already used with another method, path or body.', 'idempotency-key-reused'));

/** Throws the 422 for a claim marked reused; called as a command starts to run. */
export function refuseReusedKey(claim: IdempotencyClaim | undefined): void {
  if (claim && reused.has(claim)) throw keyReused();
}
