import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { databaseConfig, type DatabaseConfig } from '@app/platform';

/** A database whose read failed is skipped this long before it is tried again. */
const RETRY_MS = 5_000;

/** The database a read of the event log goes to, or came from. */
export type LogSource = 'primary' | 'replica';

export interface SourcedRows<R> {
  rows: R[];
  /** The database that answered. */
  source: LogSource;
}

const poolOptions = (connectionString: string): pg.PoolConfig => ({
  connectionString,
  max: 3,
  connectionTimeoutMillis: 2_000,
  statement_timeout: 15_000,
  application_name: 'read-agent-projector',
});

/**
 * Where the projector reads the event log: the first replica or the primary, as the
 * caller prefers, and the other one while the preferred one is unreachable (without a
 * replica, always the primary). Its own small pools, so that a catch-up never competes
 * with queries for connections.
 */
@Injectable()
export class EventLogSource implements OnApplicationShutdown {
  private readonly logger = new Logger('EventLogSource');
  private readonly pools: Record<LogSource, pg.Pool | undefined>;
  private readonly downUntil: Record<LogSource, number> = { primary: 0, replica: 0 };
  private closed = false;

  constructor(@Inject(databaseConfig.KEY) config: Pick<DatabaseConfig, 'primaryUrl' | 'replicaUrls'>) {
    this.pools = {
      primary: new pg.Pool(poolOptions(config.primaryUrl)),
      replica: config.replicaUrls[0] ? new pg.Pool(poolOptions(config.replicaUrls[0])) : undefined,
    };
    for (const pool of Object.values(this.pools)) pool?.on('error', () => undefined);
  }

  async query<R extends pg.QueryResultRow>(
    text: string,
    values: unknown[],
    prefer: LogSource = 'replica',
  ): Promise<SourcedRows<R>> {
    const other: LogSource = prefer === 'primary' ? 'replica' : 'primary';
    const preferred = this.pools[prefer];
    const fallback = this.pools[other];
    if (!fallback) return { rows: (await preferred!.query<R>(text, values)).rows, source: prefer };
    if (preferred && Date.now() >= this.downUntil[prefer]) {
      try {
        return { rows: (await preferred.query<R>(text, values)).rows, source: prefer };
      } catch (error) {
        this.downUntil[prefer] = Date.now() + RETRY_MS;
        this.logger.warn(`event log ${prefer} unavailable, reading the ${other}: ${(error as Error).message}`);
      }
    }
    return { rows: (await fallback.query<R>(text, values)).rows, source: other };
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(Object.values(this.pools).map((pool) => pool?.end()));
  }
}
