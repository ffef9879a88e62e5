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

export interface DatabaseConfig {
  primaryUrl: string;
  replicaUrls: string[];
  timeouts: DatabaseTimeouts;
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
  };
});
