import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import type { LogQuery, LogSource, SourcedRows } from '@app/event-log';
import { databaseConfig, DEFAULT_READ_TIMEOUTS, type DatabaseConfig, type ReadTimeouts } from '@app/platform';
import { StoreBreaker, type BreakerPolicy } from '../stores/store-breaker.js';

/**
 * A database whose read failed is skipped for 5 s. No timeout of the breaker's: a catch-up
 * read of a long backlog may take a while, and the pool's timeouts bound it.
 */
const LOG_BREAKER: BreakerPolicy = { timeoutMs: false, resetMs: 5_000, openOnFirstFailure: true, windowMs: 10_000 };

interface LogDatabase {
  pool: pg.Pool;
  breaker: StoreBreaker;
}

/** A catch-up read of a long backlog may take a while: longer statement bounds than queries'. */
const LOG_STATEMENT_MS = 15_000;

const database = (source: LogSource, connectionString: string, timeouts: ReadTimeouts): LogDatabase => {
  const pool = new pg.Pool({
    connectionString,
    max: 3,
    connectionTimeoutMillis: timeouts.connectMs,
    statement_timeout: LOG_STATEMENT_MS,
    lock_timeout: timeouts.lockMs,
    // For a database that stops answering altogether (frozen), which statement_timeout cannot end.
    query_timeout: LOG_STATEMENT_MS + 1_000,
    application_name: 'read-agent-projector',
  });
  pool.on('error', () => undefined);
  return { pool, breaker: new StoreBreaker(`log-${source}`, () => false, LOG_BREAKER) };
};

/**
 * Where the projector reads the event log: the first replica or the primary, as the
 * caller prefers (LogSourcePolicy decides), and the other one while the preferred one's
 * breaker is open (without a replica, always the primary). Its own small pools, so that
 * a catch-up never competes with queries for connections.
 */
@Injectable()
export class EventLogSource implements LogQuery, OnApplicationShutdown {
  private readonly databases: Record<LogSource, LogDatabase | undefined>;
  private closed = false;

  constructor(@Inject(databaseConfig.KEY) config: Pick<DatabaseConfig, 'primaryUrl' | 'replicaUrls'> & Partial<Pick<DatabaseConfig, 'readTimeouts'>>) {
    const timeouts = config.readTimeouts ?? DEFAULT_READ_TIMEOUTS;
    this.databases = {
      primary: database('primary', config.primaryUrl, timeouts),
      replica: config.replicaUrls[0] ? database('replica', config.replicaUrls[0], timeouts) : undefined,
    };
  }

  async query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
    prefer: LogSource = 'replica',
  ): Promise<SourcedRows<R>> {
    const other: LogSource = prefer === 'primary' ? 'replica' : 'primary';
    const preferred = this.databases[prefer];
    const fallback = this.databases[other];
    if (!fallback) return { rows: (await preferred!.pool.query<R>(text, values)).rows, source: prefer };
    if (preferred) {
      try {
        return { rows: await preferred.breaker.call(async () => (await preferred.pool.query<R>(text, values)).rows), source: prefer };
      } catch {
        // The breaker logs the outage when it opens; the other database answers meanwhile.
      }
    }
    return { rows: (await fallback.pool.query<R>(text, values)).rows, source: other };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(
      Object.values(this.databases).map(async (db) => {
        db?.breaker.shutdown();
        await db?.pool.end();
      }),
    );
  }
}
