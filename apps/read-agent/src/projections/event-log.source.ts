import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import pg from 'pg';
import { databaseConfig, type DatabaseConfig } from '@app/platform';

const REPLICA_RETRY_MS = 5_000;

const poolOptions = (connectionString: string): pg.PoolConfig => ({
  connectionString,
  max: 3,
  connectionTimeoutMillis: 2_000,
  statement_timeout: 15_000,
  application_name: 'read-agent-projector',
});

/**
 * Where the projector reads the event log: the first replica (sparing the primary), and
 * the primary while the replica is unreachable. Its own small pools, so that a catch-up
 * never competes with queries for connections.
 */
@Injectable()
export class EventLogSource implements OnApplicationShutdown {
  private readonly logger = new Logger('EventLogSource');
  private readonly primary: pg.Pool;
  private readonly replica: pg.Pool | undefined;
  private replicaDownUntil = 0;
  private closed = false;

  constructor(@Inject(databaseConfig.KEY) config: Pick<DatabaseConfig, 'primaryUrl' | 'replicaUrls'>) {
    this.primary = new pg.Pool(poolOptions(config.primaryUrl));
    this.replica = config.replicaUrls[0] ? new pg.Pool(poolOptions(config.replicaUrls[0])) : undefined;
    for (const pool of [this.primary, this.replica]) pool?.on('error', () => undefined);
  }

  async query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<R[]> {
    if (this.replica && Date.now() >= this.replicaDownUntil) {
      try {
        return (await this.replica.query<R>(text, values)).rows;
      } catch (error) {
        this.replicaDownUntil = Date.now() + REPLICA_RETRY_MS;
        this.logger.warn(`event log replica unavailable, reading the primary: ${(error as Error).message}`);
      }
    }
    return (await this.primary.query<R>(text, values)).rows;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all([this.primary.end(), this.replica?.end()]);
  }
}
