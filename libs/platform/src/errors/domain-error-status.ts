import type { DomainErrorKind } from '@app/domain';

/** The single place where a domain error's kind becomes an HTTP status. */
export const DOMAIN_ERROR_STATUS: Record<DomainErrorKind, number> = {
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
  precondition_failed: 412,
};
