import { createHash } from 'node:crypto';

/**
 * Which history of the database the primary serves, `<system identifier>:<timeline>`, as
 * one SQL expression (primary only: pg_walfile_name() is refused during recovery). A
 * promotion starts a new timeline (after an asynchronous failover the new primary may
 * lack the last commits of the old one); a restore into a new cluster brings a new system
 * identifier. The WAL file name of the current position carries the timeline at once,
 * where pg_control_checkpoint() would wait for the end-of-recovery checkpoint. Neither
 * function needs a privilege. docs/adr/0009-database-history.md.
 */
export const DATABASE_HISTORY_SQL = `((SELECT system_identifier FROM pg_control_system())::text || ':' ||
  ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int)`;

/** The history as position tokens carry it: 8 hex digits (SQL: `substr(md5(history), 1, 8)`). */
export const HISTORY_TAG_SQL = `substr(md5(${DATABASE_HISTORY_SQL}), 1, 8)`;

export function historyTag(history: string): string {
  return createHash('md5').update(history).digest('hex').slice(0, 8);
}
