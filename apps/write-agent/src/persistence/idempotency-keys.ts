import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { IdempotencyClaim } from '../commands/command-context.js';
import { PrimaryPool } from './primary-pool.js';

/** Keys are kept at least this long (API.md section 3), then purged. */
const RETENTION_HOURS = 24;
const PURGE_EVERY_MS = 15 * 60_000;

export interface StoredAnswer {
  fingerprint: string;
  status: number;
  response: Record<string, unknown>;
}

/**
 * First answers to requests sent with an Idempotency-Key. Successful commands store
 * theirs inside their own statement (CommandWriter); refusals are stored here.
 */
@Injectable()
export class IdempotencyKeys implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('IdempotencyKeys');
  private purgeTimer?: NodeJS.Timeout;

  constructor(private readonly db: PrimaryPool) {}

  async find(subject: string, key: string): Promise<StoredAnswer | null> {
    const [row] = await this.db.query<StoredAnswer>(
      `SELECT request_hash AS fingerprint, status_code AS status, response
       FROM idempotency_keys WHERE subject = $1 AND key = $2`,
      [subject, key],
    );
    return row ?? null;
  }

  /** Stores a refusal; false when a concurrent request with the key stored first. */
  async storeRefusal(claim: IdempotencyClaim, status: number, problem: object): Promise<boolean> {
    const inserted = await this.db.query(
      `INSERT INTO idempotency_keys (subject, key, request_hash, status_code, response)
       VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING RETURNING 1`,
      [claim.subject, claim.key, claim.fingerprint, status, JSON.stringify(problem)],
    );
    return inserted.length === 1;
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
      await this.db.query(
        `DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)`,
        [RETENTION_HOURS],
      );
    } catch (error) {
      this.logger.warn(`purge of old idempotency keys failed: ${(error as Error).message}`);
    }
  }
}
