import { Injectable } from '@nestjs/common';
import { EventLogSource } from '../event-log/event-log.source.js';
import { bindOldestTransactionGauge } from './projection-metrics.js';

/**
 * Transactions that hold a transaction id, on any database of the primary's cluster, and
 * prepared (two-phase) ones: while one is open, the snapshot's xmin stays at or below its
 * id, so the gap-safe reader sees no event committed after it began. Read-only
 * transactions take no id and hold nothing back. Seeing other roles' sessions needs
 * superuser or the pg_read_all_stats role (pg_monitor includes it).
 */
const OLDEST_OPEN_TRANSACTION_AGE = `
  SELECT coalesce(extract(epoch FROM clock_timestamp() - min(started)), 0)::float8 AS seconds
  FROM (
    SELECT xact_start AS started FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
    UNION ALL
    SELECT prepared FROM pg_prepared_xacts
  ) open_transactions`;

/** How long the reader has been waiting behind the oldest open transaction (0: none open). */
@Injectable()
export class OldestOpenTransaction {
  constructor(private readonly source: EventLogSource) {
    bindOldestTransactionGauge(this);
  }

  /** Seconds since the oldest open transaction began, as the primary sees it. */
  async ageSeconds(): Promise<number> {
    const { rows } = await this.source.query<{ seconds: number }>(OLDEST_OPEN_TRANSACTION_AGE, [], 'primary');
    return rows[0]?.seconds ?? 0;
  }
}
