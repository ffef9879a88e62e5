import type { Pool, PoolClient } from 'pg';
import { storeUnavailable, type UnavailableError } from '@app/platform';

/**
 * With synchronous replication, a commit waits for a standby. When that wait is cancelled
 * (statement_timeout, a cancel request), PostgreSQL keeps the commit local, sends a
 * WARNING ("canceling wait for synchronous replication ...", SQLSTATE 01000) and reports
 * success. Answering 2xx then would acknowledge a command that a failover can lose, so a
 * write statement that drew any plain WARNING is answered as unavailable instead: 503
 * means "may or may not have been applied", and a retry with the same Idempotency-Key
 * replays it. Matching the code, not the (translatable) text, errs on the safe side.
 */
const PLAIN_WARNING = '01000';

const warned = new WeakSet<PoolClient>();

/** Watches every connection of `pool` for the warning; call once, before the first query. */
export function watchCommitWarnings(pool: Pool): void {
  pool.on('connect', (client) => {
    client.on('notice', (notice: { code?: string }) => {
      if (notice.code === PLAIN_WARNING) warned.add(client);
    });
  });
}

/** Forgets an earlier statement's warning before the next statement on `client`. */
export function clearCommitWarning(client: PoolClient): void {
  warned.delete(client);
}

/** The 503 to answer when the statement just run on `client` drew the warning. */
export function unreplicatedCommit(client: PoolClient): UnavailableError | undefined {
  return warned.has(client) ? storeUnavailable() : undefined;
}
