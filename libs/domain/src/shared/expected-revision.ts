import { DomainError } from './domain-error.js';

/** Optimistic concurrency: a command sent with `If-Match` only applies to that revision. */
export function assertExpectedRevision(current: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== current) {
    throw new DomainError(
      'revision_mismatch',
      'precondition_failed',
      `Expected revision ${expected}, but the current revision is ${current}.`,
    );
  }
}
