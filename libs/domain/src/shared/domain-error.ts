/**
 * What went wrong, in terms the edge can map to a status code without knowing the rule.
 * `not_found` is an unknown aggregate, `conflict` a rule of the current state,
 * `unprocessable` a reference to something that does not exist, and
 * `precondition_failed` an `If-Match` revision that no longer holds.
 */
export type DomainErrorKind = 'not_found' | 'conflict' | 'unprocessable' | 'precondition_failed';

export class DomainError extends Error {
  constructor(
    readonly code: string,
    readonly kind: DomainErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}
