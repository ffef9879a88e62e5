import { DomainError } from './domain-error.js';

export const revisionMismatch = (expected: number, current?: number) =>
  new DomainError(
    'revision_mismatch',
    'precondition_failed',
    current === undefined
      ? `Expected revision ${expected}, but the aggregate changed meanwhile.`
      : `Expected revision ${expected}, but the current revision is ${current}.`,
  );

/** Optimistic concurrency: a command sent with `If-Match` only applies to that revision. */
export function assertExpectedRevision(current: number, expected: number | undefined): void {
  if (expected !== undefined && expected !== current) throw revisionMismatch(expected, current);
}
