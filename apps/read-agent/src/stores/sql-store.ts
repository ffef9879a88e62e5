import { Logger } from '@nestjs/common';
import pg from 'pg';
import type { LogPosition } from '@app/domain';
import type { ReadTimeouts } from '@app/platform';
import { StoreBreaker } from './store-breaker.js';

export type DatabaseRole = 'replica' | 'primary';

const POOL_SIZE = 10;

/**
 * A query the database refused as wrong (SQLSTATE class 22 data exception, 42 syntax or
 * access rule): a bug, not an outage. It must not switch the store off, nor be retried on
 * the next store; it surfaces as a logged 500.
 */
export function isQueryError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(22|42)[0-9A-Z]{3}$/.test(code);
}

export interface DatabaseHealth {
  /** Seconds the replica is behind; 0 when it has replayed all it received; null on the primary or when unknown. */
  replicationLagSeconds: number | null;
}

/**
 * One PostgreSQL database the read agent queries with plain SQL: a replica or the primary.
 * A pg pool rather than a TypeORM DataSource: a DataSource must connect to initialize, and
 * a database that is down when the agent starts must only be skipped, never stop it.
 */
export class SqlStore {
  readonly breaker: StoreBreaker;
  private readonly pool: pg.Pool;

  constructor(
    readonly role: DatabaseRole,
    readonly name: string,
    url: string,
    timeouts: ReadTimeouts,
  ) {
    this.breaker = new StoreBreaker(name, isQueryError);
    this.pool = new pg.Pool({
      connectionString: url,
      max: POOL_SIZE,
      connectionTimeoutMillis: timeouts.connectMs,
      idleTimeoutMillis: 30_000,
      // Bound a query the breaker has stopped waiting for, and free its connection: the
      // server's own bounds, and the client's for a server that stopped answering (frozen).
      statement_timeout: timeouts.statementMs,
      lock_timeout: timeouts.lockMs,
      query_timeout: timeouts.queryMs,
      application_name: 'read-agent',
    });
    const logger = new Logger(`Database ${name}`);
    this.pool.on('error', (error) => logger.warn(`idle connection lost: ${error.message}`));
  }

  async query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<R[]> {
    if (this.pool.idleCount > 0 || this.pool.totalCount < POOL_SIZE) {
      return this.breaker.call(async () => (await this.pool.query<R>(text, values)).rows);
    }
    // Every connection is busy: waiting for one is waiting for this agent's own queries,
    // which says nothing about the database, so the wait (bounded by the connect timeout)
    // stays outside the breaker. Counted in, a saturated agent on a busy machine opened
    // the breakers of healthy stores and answered 503.
    const client = await this.pool.connect();
    const ignore = () => undefined; // a socket that dies also rejects the query below
    client.on('error', ignore);
    let broken: Error | undefined;
    try {
      return await this.breaker.call(async () => (await client.query<R>(text, values)).rows);
    } catch (error) {
      // A timed-out query may still run on the connection: drop it rather than reuse it.
      if (!isQueryError(error)) broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.off('error', ignore);
      client.release(broken);
    }
  }

  /**
   * Whether this database shows everything the token covers: every transaction up to the
   * token's (the head of the log when the command answered, docs/adr/0006) has ended
   * here, so each one that committed is visible. On a hot standby the snapshot's xmin is
   * the oldest transaction the replayed WAL still shows running (docs/adr/0004); a
   * transaction it has not heard of yet is above its xmax, so never counted as ended.
   */
  async reflects(token: LogPosition): Promise<boolean> {
    const rows = await this.query<{ seen: boolean }>(
      'SELECT log_xmin() > $1::xid8 AS seen',
      [token.txId.toString()],
    );
    return rows[0]?.seen === true;
  }

  /** Whether the token's own event row is here: on the primary, whether a command could have answered it. */
  async hasEventOf(token: LogPosition): Promise<boolean> {
    const rows = await this.query<{ found: boolean }>(
      'SELECT EXISTS (SELECT 1 FROM events WHERE position = $2 AND tx_id = $1::xid8) AS found',
      [token.txId.toString(), token.position.toString()],
    );
    return rows[0]?.found === true;
  }

  /** A direct probe for readiness, outside the breaker so it sees the store as it is now. */
  async health(): Promise<DatabaseHealth> {
    const { rows } = await this.pool.query<{ lag: number | null }>(
      `SELECT CASE
         WHEN NOT pg_is_in_recovery() THEN NULL
         WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
         ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8
       END AS lag`,
    );
    return { replicationLagSeconds: rows[0].lag };
  }

  async close(): Promise<void> {
    this.breaker.shutdown();
    await this.pool.end();
  }
}
