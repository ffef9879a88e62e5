/** Another request with the same Idempotency-Key committed first: replay its answer. */
export class IdempotencyRaceError extends Error {
  constructor() {
    super('a concurrent request with the same Idempotency-Key answered first');
  }
}
