import { UnavailableError } from './unavailable.error.js';

/**
 * SQLSTATEs that say the database cannot answer now, not that the request or the code is
 * wrong: class 08 (connection exception), 53 (insufficient resources), 57P01..57P05
 * (admin/crash shutdown, cannot connect now, idle session timeout), 57014 (statement
 * cancelled: statement_timeout), 55P03 (lock_timeout), 25P03 (idle_in_transaction
 * timeout), 25006 (a write on a standby: the address still leads to a replica during a
 * failover). Class 22 and 42 (bad data, bad SQL: bugs) are not among them.
 */
const UNAVAILABLE_SQLSTATE = /^(08...|53...|57P0[1-5]|57014|55P03|25P03|25006)$/;

/** Node socket errors of a store that is down or unreachable. */
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/**
 * Messages of node-postgres and ioredis when a connection breaks or a timeout fires; they
 * carry no code of their own.
 */
const UNAVAILABLE_MESSAGE = [
  /^timeout exceeded when trying to connect$/i, // pg Pool: connectionTimeoutMillis
  /^Connection terminated/i, // pg: server closed the socket, or the connect timed out
  /^Query read timeout$/i, // pg: query_timeout
  /^Client has encountered a connection error and is not queryable$/i,
  /^Client was closed and is not queryable$/i,
  /^Connection is closed\.?$/i, // ioredis
  /^Command timed out$/i, // ioredis: commandTimeout
  /enableOfflineQueue options is false/i, // ioredis: not connected
  /^Reached the max retries per request limit/i, // ioredis MaxRetriesPerRequestError
];

/**
 * The one mapping of "a store is unavailable" to a typed error: a pg or ioredis error
 * that says the store is down, hangs or refuses for now becomes an UnavailableError
 * (answered 503 with Retry-After); anything else, undefined. Looks through TypeORM's
 * `driverError` and `cause`.
 */
export function asStoreUnavailable(error: unknown, depth = 0): UnavailableError | undefined {
  if (error instanceof UnavailableError) return error;
  if (!(error instanceof Error) || depth > 3) return undefined;
  const { code, driverError, cause } = error as Error & { code?: unknown; driverError?: unknown; cause?: unknown };
  if (typeof code === 'string' && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code))) return storeUnavailable();
  if (error.name === 'MaxRetriesPerRequestError') return storeUnavailable();
  if (UNAVAILABLE_MESSAGE.some((pattern) => pattern.test(error.message))) return storeUnavailable();
  return asStoreUnavailable(driverError, depth + 1) ?? asStoreUnavailable(cause, depth + 1);
}

export const STORE_UNAVAILABLE_RETRY_AFTER_SECONDS = 2;

export function storeUnavailable(): UnavailableError {
  return new UnavailableError(
    'A data store is unavailable or not answering in time; retry after the time in Retry-After.',
    'store-unavailable',
    STORE_UNAVAILABLE_RETRY_AFTER_SECONDS,
  );
}
