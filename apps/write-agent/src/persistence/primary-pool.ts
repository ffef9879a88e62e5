import { Injectable } from '@nestjs/common';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

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
  }

  async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }

  /**
   * Runs `work` inside BEGIN ... COMMIT on one connection; ROLLBACK when it throws.
   * Row locks taken by `work` are held until the end (docs/adr/0005-serializing-commands-per-aggregate.md).
   */
  async transaction<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    let broken: unknown;
    try {
      await client.query('BEGIN').catch((error: unknown) => {
        broken = error;
        throw error;
      });
      const tx: Transaction = {
        inTransaction: true,
        query: async <R>(sql: string, params: unknown[]) => (await client.query(sql, params)).rows as R[],
      };
      try {
        const result = await work(tx);
        await client.query('COMMIT');
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

