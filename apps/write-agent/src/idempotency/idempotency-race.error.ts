import { violatedUniqueConstraint } from '../persistence/postgres-errors.js';

/** Another request with the same Idempotency-Key committed first: replay its answer. */
export class IdempotencyRaceError extends Error {
  constructor() {
    super('a concurrent request with the same Idempotency-Key answered first');
  }

  /** The race a failed command statement stands for, if it hit the key's primary key. */
  static of(error: unknown): IdempotencyRaceError | undefined {
    return violatedUniqueConstraint(error) === 'idempotency_keys_pkey' ? new IdempotencyRaceError() : undefined;
  }
}
