import pg from 'pg';
import type { LogQuery, SourcedRows } from '@app/event-log';
import type { DatabaseConfig } from '@app/platform';

/**
 * The relay's own small pool on the primary, so that reading the log and writing the
 * checkpoint never wait for the commands' connections, nor the commands for the relay's.
 * The relay reads the log from the primary only: it publishes the tail, which a replica
 * may not have replayed yet.
 */
export class RelayPrimary implements LogQuery {
  private readonly pool: pg.Pool;

  constructor(database: DatabaseConfig) {
    this.pool = new pg.Pool({
      connectionString: database.primaryUrl,
      max: 2,
      application_name: 'write-agent-relay',
      connectionTimeoutMillis: database.timeouts.connectMs,
      query_timeout: database.timeouts.queryMs,
      statement_timeout: database.timeouts.statementMs,
    });
    this.pool.on('error', () => undefined);
  }

  async query<R extends object>(text: string, values: unknown[]): Promise<SourcedRows<R>> {
    return { rows: await this.rows<R>(text, values), source: 'primary' };
  }

  async rows<R extends object>(text: string, values: unknown[]): Promise<R[]> {
    return (await this.pool.query<R & pg.QueryResultRow>(text, values)).rows;
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
