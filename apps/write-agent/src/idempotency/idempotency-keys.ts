import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ProblemDetails } from '@app/platform';
import type { CommandResult } from '../commands/command-result.js';
import type { Appended } from '../persistence/appended.js';
import { PrimaryPool } from '../persistence/primary-pool.js';
import type { IdempotencyClaim } from './idempotency-claim.js';
import { decodeStoredAnswer, encodeRefusal, encodeSuccessSql, type StoredAnswer } from './stored-answer.codec.js';

/** Keys are kept at least this long (the contract promises 24 hours), then purged. */
const RETENTION_HOURS = 24;
const PURGE_EVERY_MS = 15 * 60_000;
/**
 * Each batch is a transaction of its own, short enough not to hold back the gap-safe
 * readers of every database on the cluster (an open transaction id stops them all).
 */
const PURGE_BATCH = 1_000;

export interface PurgeOutcome {
  deleted: number;
  /** The transaction id of each batch, in order: one transaction per batch. */
  transactions: string[];
}

export interface StoredKey {
  /** What the first request stood for: a repeat with another fingerprint is refused. */
  readonly fingerprint: string;
  readonly answer: StoredAnswer;
}

/**
 * The idempotency_keys table: every statement on it is here. A success's answer is
 * written by the command's own statement, from the CTE this class gives the writer.
 */
@Injectable()
export class IdempotencyKeys implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('IdempotencyKeys');
  private purgeTimer?: NodeJS.Timeout;

  constructor(private readonly db: PrimaryPool) {}

  async find(claim: IdempotencyClaim): Promise<StoredKey | null> {
    const [row] = await this.db.query<{ fingerprint: string; status: number; response: unknown }>(
      `SELECT request_hash AS fingerprint, status_code AS status, response
       FROM idempotency_keys WHERE subject = $1 AND key = $2`,
      [claim.subject, claim.key],
    );
    return row ? { fingerprint: row.fingerprint, answer: decodeStoredAnswer(row.status, row.response) } : null;
  }

  /** Stores a refusal; false when a concurrent request with the key stored first. */
  async storeRefusal(claim: IdempotencyClaim, problem: ProblemDetails): Promise<boolean> {
    const { status, response } = encodeRefusal(problem);
    const inserted = await this.db.query(
      `INSERT INTO idempotency_keys (subject, key, request_hash, status_code, response)
       VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING RETURNING 1`,
      [claim.subject, claim.key, claim.fingerprint, status, response],
    );
    return inserted.length === 1;
  }

  /**
   * The CTE that stores a success's answer in the command's statement, reading the
   * appended events' tx_id and position from the CTE `from`. With the key already taken
   * the whole statement fails on idempotency_keys_pkey, so nothing of the command is kept.
   */
  successCte(claim: IdempotencyClaim, result: Omit<CommandResult, 'position'>, from: string, param: (value: unknown) => string): string {
    const { status, response } = encodeSuccessSql(result, { txId: 'tx_id', position: 'position' }, param);
    return `answer AS (
        INSERT INTO idempotency_keys (subject, key, request_hash, status_code, response)
        SELECT ${param(claim.subject)}, ${param(claim.key)}, ${param(claim.fingerprint)}, ${status}, ${response}
        FROM ${from}
      )`;
  }

  /**
   * Moves a keyed success's stored position to the head of the log (`headSql`, one row of
   * "txId" and position, read after the commit) once, and answers the position that is
   * then stored. Called by the request that ran the command and by any replay that finds
   * the head still pending, whichever comes first: the second finds it settled, so both
   * answer the very same token. Null when no answer is stored under the key.
   */
  async settleHead(claim: IdempotencyClaim, headSql: string): Promise<Appended | null> {
    const [settled] = await this.db.query<Appended>(
      `WITH head AS (${headSql})
       UPDATE idempotency_keys
       SET response = (response - 'headPending') || jsonb_build_object('txId', head."txId", 'position', head.position, 'history', head.history)
       FROM head WHERE subject = $1 AND key = $2 AND response ? 'headPending'
       RETURNING response->>'txId' AS "txId", response->>'position' AS position, response->>'history' AS history`,
      [claim.subject, claim.key],
    );
    if (settled) return settled;
    // Settled by a concurrent request: a new statement, so a snapshot that sees its commit.
    const [stored] = await this.db.query<Appended>(
      `SELECT response->>'txId' AS "txId", response->>'position' AS position, response->>'history' AS history
       FROM idempotency_keys WHERE subject = $1 AND key = $2`,
      [claim.subject, claim.key],
    );
    return stored ?? null;
  }

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_EVERY_MS);
    this.purgeTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  private async purge(): Promise<void> {
    try {
      await this.purgeExpired();
    } catch (error) {
      this.logger.warn(`purge of old idempotency keys failed: ${(error as Error).message}`);
    }
  }

  /** Deletes the keys past retention, PURGE_BATCH rows per transaction, oldest first. */
  async purgeExpired(batch = PURGE_BATCH, retentionHours = RETENTION_HOURS): Promise<PurgeOutcome> {
    const outcome: PurgeOutcome = { deleted: 0, transactions: [] };
    for (;;) {
      const [row] = await this.db.query<{ deleted: number; tx: string }>(
        `WITH expired AS (
           SELECT subject, key FROM idempotency_keys
           WHERE created_at < now() - make_interval(hours => $1)
           ORDER BY created_at LIMIT $2
         ), gone AS (
           DELETE FROM idempotency_keys k USING expired e
           WHERE k.subject = e.subject AND k.key = e.key RETURNING 1
         )
         SELECT count(*)::int AS deleted, txid_current()::text AS tx FROM gone`,
        [retentionHours, batch],
      );
      outcome.deleted += row.deleted;
      outcome.transactions.push(row.tx);
      if (row.deleted < batch) return outcome;
    }
  }
}
