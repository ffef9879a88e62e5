import { Injectable, Logger } from '@nestjs/common';
import { HISTORY_TAG_SQL } from '@app/event-log';
import type { IdempotencyClaim } from '../idempotency/idempotency-claim.js';
import { IdempotencyKeys } from '../idempotency/idempotency-keys.js';
import type { Appended } from './appended.js';
import { PrimaryPool } from './primary-pool.js';

/**
 * The last event of the log in its read order `(tx_id, position)` among the committed
 * ones (an index-only backward scan of events_tx_order_idx; rows of transactions in flight
 * are invisible and skipped), with the tag of the database's history that tokens carry
 * (docs/adr/0009-database-history.md).
 */
export const LOG_HEAD_SQL = `SELECT tx_id::text AS "txId", position::text AS position, ${HISTORY_TAG_SQL} AS history
  FROM events ORDER BY tx_id DESC, position DESC LIMIT 1`;

/**
 * Reads the head of the log for position tokens (docs/adr/0006-position-tokens-follow-answers.md).
 * A command's token is the head as a query started after its commit sees it: every
 * command answered before has committed by then, so its events are at or below that head,
 * and any later token is at or above it.
 *
 * Concurrent callers share reads: a caller may share a read that has not been sent yet
 * (it will start after the caller's commit), never one already in flight. So at most one
 * read is in flight and one queued behind it, whatever the number of commands.
 */
@Injectable()
export class LogHead {
  private readonly logger = new Logger('LogHead');
  private inFlight: Promise<unknown> = Promise.resolve();
  private queued: Promise<Appended | null> | null = null;

  constructor(
    private readonly db: PrimaryPool,
    private readonly idempotencyKeys: IdempotencyKeys,
  ) {}

  /**
   * The head as read by a query sent after this call; null when that read failed (the
   * command then answers its own position, as stored). With an Idempotency-Key the read
   * is the request's own and also moves the stored answer's position to it, unless a
   * concurrent replay did so first: then the head that replay stored is answered.
   */
  after(claim?: IdempotencyClaim): Promise<Appended | null> {
    if (claim) return this.guarded(() => this.idempotencyKeys.settleHead(claim, LOG_HEAD_SQL));
    if (this.queued) return this.queued;
    const queued = this.inFlight.then(() => {
      // From here on the read is being sent: later callers need a read of their own.
      this.queued = null;
      const read = this.read();
      this.inFlight = read;
      return read;
    });
    this.queued = queued;
    return queued;
  }

  private read(): Promise<Appended | null> {
    return this.guarded(async () => (await this.db.query<Appended>(LOG_HEAD_SQL, []))[0] ?? null);
  }

  private async guarded(read: () => Promise<Appended | null>): Promise<Appended | null> {
    try {
      return await read();
    } catch (error) {
      this.logger.warn(`the head of the log could not be read: ${(error as Error).message}`);
      return null;
    }
  }
}

/** The later of two positions in the log's read order; the head `b` lends its history tag. */
export function laterOf(a: Appended, b: Appended | null): Appended {
  if (!b) return a;
  if (b.history && !a.history) a = { ...a, history: b.history };
  const [aTx, bTx] = [BigInt(a.txId), BigInt(b.txId)];
  if (aTx !== bTx) return aTx > bTx ? a : b;
  return BigInt(a.position) >= BigInt(b.position) ? a : b;
}
