import type { IdempotencyClaim } from '../idempotency/idempotency-claim.js';

/** What a command carries besides its own fields: who asked, and under which conditions. */
export interface CommandContext {
  readonly requestId: string;
  readonly subject: string;
  /** From If-Match: the command applies only to this revision. */
  readonly expectedRevision?: number;
  /** From Idempotency-Key: the answer is stored in the command's own transaction. */
  readonly idempotency?: IdempotencyClaim;
}
