import { registerAs } from '@nestjs/config';
import { Transform } from 'class-transformer';
import { IsArray, IsInt, IsNotEmpty, Matches, Min } from 'class-validator';
import { validateEnvironment } from './validate-environment.js';

const POSTGRES_URL = /^postgres(ql)?:\/\/[^\s]+$/;
const URL_MESSAGE = 'must be a postgres:// connection URL';
export const MS_MESSAGE = 'must be a whole number of milliseconds (>= 1)';
export const milliseconds =
  (fallback: number) =>
  ({ value }: { value: unknown }) =>
    value === undefined || value === '' ? fallback : Number(value);

/** The READ_PG_* defaults. */
export const DEFAULT_READ_TIMEOUTS: ReadTimeouts = { connectMs: 1_000, statementMs: 2_000, lockMs: 1_000, queryMs: 2_500 };

class DatabaseEnvironment {
  @IsNotEmpty({ message: `is required (${URL_MESSAGE})` })
  @Matches(POSTGRES_URL, { message: URL_MESSAGE })
  DATABASE_URL: string;

  @Transform(({ value }) =>
    typeof value === 'string'
      ? value.split(',').map((url) => url.trim()).filter((url) => url.length > 0)
      : [],
  )
  @IsArray()
  @Matches(POSTGRES_URL, { each: true, message: 'must be comma-separated postgres:// connection URLs' })
  DATABASE_REPLICA_URLS: string[] = [];

  @Transform(milliseconds(700))
  @IsInt({ message: MS_MESSAGE })
  @Min(1, { message: MS_MESSAGE })
  PG_CONNECT_TIMEOUT_MS = 700;

  @Transform(milliseconds(1_000))
  @IsInt({ message: MS_MESSAGE })
  @Min(1, { message: MS_MESSAGE })
  PG_STATEMENT_TIMEOUT_MS = 1_000;

  @Transform(milliseconds(1_000))
  @IsInt({ message: MS_MESSAGE })
  @Min(1, { message: MS_MESSAGE })
  PG_LOCK_TIMEOUT_MS = 1_000;

  @Transform(milliseconds(1_200))
  @IsInt({ message: MS_MESSAGE })
  @Min(1, { message: MS_MESSAGE })
  PG_QUERY_TIMEOUT_MS = 1_200;

  @Transform(milliseconds(10_000))
  @IsInt({ message: MS_MESSAGE })
  @Min(1, { message: MS_MESSAGE })
  PG_IDLE_IN_TRANSACTION_TIMEOUT_MS = 10_000;

  @Transform(milliseconds(DEFAULT_READ_TIMEOUTS.connectMs))
  @IsInt({ message: MS_MESSAGE })
  @Min(1, { message: MS_MESSAGE })
  READ_PG_CONNECT_TIMEOUT_MS = DEFAULT_READ_TIMEOUTS.connectMs;

  @Transform(milliseconds(DEFAULT_READ_TIMEOUTS.statementMs))
  @IsInt({ message: MS_MESSAGE })
  @Min(1, { message: MS_MESSAGE })
  READ_PG_STATEMENT_TIMEOUT_MS = DEFAULT_READ_TIMEOUTS.statementMs;

  @Transform(milliseconds(DEFAULT_READ_TIMEOUTS.lockMs))
  @IsInt({ message: MS_MESSAGE })
  @Min(1, { message: MS_MESSAGE })
  READ_PG_LOCK_TIMEOUT_MS = DEFAULT_READ_TIMEOUTS.lockMs;

  @Transform(milliseconds(DEFAULT_READ_TIMEOUTS.queryMs))
  @IsInt({ message: MS_MESSAGE })
  @Min(1, { message: MS_MESSAGE })
  READ_PG_QUERY_TIMEOUT_MS = DEFAULT_READ_TIMEOUTS.queryMs;
}

/**
 * Bounds on every statement of the write agent's pool, so that a primary that is down or
 * hangs is answered as unavailable (503) within 2 s with the defaults: a wait for a free
 * connection (700 ms) plus one statement that never returns (1,200 ms) stays below it
 * (docs/api.md section 7).
 */
export interface DatabaseTimeouts {
  /** Opening a connection, or waiting for a free one in the pool (pg connectionTimeoutMillis). */
  connectMs: number;
  /** Server side: statement_timeout of each session. */
  statementMs: number;
  /** Server side: lock_timeout of each session. */
  lockMs: number;
  /** Client side: query_timeout, for a server that stops answering altogether. */
  queryMs: number;
  /** Server side: idle_in_transaction_session_timeout, for a transaction left open. */
  idleInTransactionMs: number;
}

/**
 * Bounds on every statement of the read agent's pools (replicas and primary). Shorter
 * than the write side's: another store can answer, and the store's breaker skips one
 * that is slow (docs/reliability.md).
 */
export type ReadTimeouts = Omit<DatabaseTimeouts, 'idleInTransactionMs'>;


export interface DatabaseConfig {
  primaryUrl: string;
  replicaUrls: string[];
  timeouts: DatabaseTimeouts;
  readTimeouts: ReadTimeouts;
}

export const databaseConfig = registerAs('database', (): DatabaseConfig => {
  const env = validateEnvironment(DatabaseEnvironment);
  return {
    primaryUrl: env.DATABASE_URL,
    replicaUrls: env.DATABASE_REPLICA_URLS,
    timeouts: {
      connectMs: env.PG_CONNECT_TIMEOUT_MS,
      statementMs: env.PG_STATEMENT_TIMEOUT_MS,
      lockMs: env.PG_LOCK_TIMEOUT_MS,
      queryMs: env.PG_QUERY_TIMEOUT_MS,
      idleInTransactionMs: env.PG_IDLE_IN_TRANSACTION_TIMEOUT_MS,
    },
    readTimeouts: {
      connectMs: env.READ_PG_CONNECT_TIMEOUT_MS,
      statementMs: env.READ_PG_STATEMENT_TIMEOUT_MS,
      lockMs: env.READ_PG_LOCK_TIMEOUT_MS,
      queryMs: env.READ_PG_QUERY_TIMEOUT_MS,
    },
  };
});
