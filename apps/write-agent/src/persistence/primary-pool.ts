import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';
import { preparedStatement } from './prepared-statements.js';
import { clearCommitWarning, unreplicatedCommit, watchCommitWarnings } from './unreplicated-commit.js';

/** Where a statement runs: the pool (one implicit transaction per statement) or one open transaction. */
export interface Queryable {
  query<T>(sql: string, params: unknown[]): Promise<T[]>;
}

/** One explicit transaction on one pooled connection, for the locked path of a command. */
export interface Transaction extends Queryable {
  readonly inTransaction: true;
}

/**
 * Plain parameterized SQL on the pool of TypeORM's DataSource. The write path is a
 * handful of fixed statements; going around TypeORM's query runner and entity hydration
 * took a measured 13% of the agent's CPU off every command (docs/adr/0001-raw-sql-write-path.md).
 */
@Injectable()
export class PrimaryPool implements Queryable {
  private readonly pool: Pool;

  constructor(dataSource: DataSource) {
    this.pool = (dataSource.driver as PostgresDriver).master as Pool;
    watchCommitWarnings(this.pool);
  }

  /** One statement in its own transaction (what pool.query does, with the commit checked). */
  async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    const client = await this.checkOut();
    let broken: Error | undefined;
    try {
      clearCommitWarning(client);
      const { rows } = await client.query(preparedStatement(sql, params)).catch((error: Error) => {
        broken = error;
        throw error;
      });
      const unreplicated = unreplicatedCommit(client);
      if (unreplicated) throw unreplicated;
      return rows as T[];
    } finally {
      client.release(isConnectionError(broken) ? broken : undefined);
    }
  }

  /**
   * A pooled connection with an error listener for as long as it is checked out. pg
   * emits 'error' on a client whose socket dies, even while a query runs (which also
   * rejects), and the pool listens only to idle clients: without this, a primary that
   * vanishes mid-command (a SIGKILLed server, a failover) would crash the agent.
   */
  private async checkOut(): Promise<PoolClient> {
    const client = await this.pool.connect();
    const ignore = () => undefined;
    client.on('error', ignore);
    const release = client.release.bind(client);
    client.release = (error?: Error | boolean) => {
      client.off('error', ignore);
      release(error);
    };
    return client;
  }

  /**
   * Runs `work` inside BEGIN ... COMMIT on one connection; ROLLBACK when it throws.
   * Row locks taken by `work` are held until the end (docs/adr/0005-serializing-commands-per-aggregate.md).
   */
  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const client = await this.checkOut();
    let broken: unknown;
    clearCommitWarning(client);
    try {
      await client.query('BEGIN').catch((error: unknown) => {
        broken = error;
        throw error;
      });
      const tx: Transaction = {
        inTransaction: true,
        query: async <R>(sql: string, params: unknown[]) => (await client.query(preparedStatement(sql, params))).rows as R[],
      };
      try {
        const result = await work(tx);
        await client.query('COMMIT');
        const unreplicated = unreplicatedCommit(client);
        if (unreplicated) throw unreplicated;
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch((rollbackError: unknown) => {
          broken = rollbackError;
        });
        throw error;
      }
    } finally {
      // A connection whose ROLLBACK failed (it broke) is destroyed, not reused.
      client.release(broken instanceof Error ? broken : undefined);
    }
  }
}


/** pool.query releases a client whose query failed at the connection level with the error, so it is not reused. */
function isConnectionError(error: Error | undefined): error is Error {
  return error !== undefined && !('severity' in error);
}
