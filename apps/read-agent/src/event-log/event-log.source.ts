import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import type { LogQuery, LogSource, SourcedRows } from '@app/event-log';
import { databaseConfig, type DatabaseConfig } from '@app/platform';
import { StoreBreaker, type BreakerPolicy } from '../stores/store-breaker.js';

/**
 * A database whose read failed is skipped for 5 s. No timeout of the breaker's: a catch-up
 * read of a long backlog may take a while, and the pool's timeouts bound it.
 */
const LOG_BREAKER: BreakerPolicy = { timeoutMs: false, resetMs: 5_000, openOnFirstFailure: true };

interface LogDatabase {
  pool: pg.Pool;
  breaker: StoreBreaker;
}

const database = (source: LogSource, connectionString: string): LogDatabase => {
  const pool = new pg.Pool({
    connectionString,
    max: 3,
    connectionTimeoutMillis: 2_000,
    statement_timeout: 15_000,
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

  constructor(@Inject(databaseConfig.KEY) config: Pick<DatabaseConfig, 'primaryUrl' | 'replicaUrls'>) {
    this.databases = {
      primary: database('primary', config.primaryUrl),
      replica: config.replicaUrls[0] ? database('replica', config.replicaUrls[0]) : undefined,
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
