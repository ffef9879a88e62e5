import { Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { DataSource } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver.js';

/**
 * Plain parameterized SQL on the pool of TypeORM's DataSource. The write path is a
 * handful of fixed statements; going around TypeORM's query runner and entity hydration
 * took a measured 13% of the agent's CPU off every command (docs/adr/0001-raw-sql-write-path.md).
 */
@Injectable()
export class PrimaryPool {
  private readonly pool: Pool;

  constructor(dataSource: DataSource) {
    this.pool = (dataSource.driver as PostgresDriver).master as Pool;
  }

  async query<T>(sql: string, params: unknown[]): Promise<T[]> {
    return (await this.pool.query(sql, params)).rows as T[];
  }
}
