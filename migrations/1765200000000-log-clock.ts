import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The log clock: an event's tx_id is the server's transaction id plus an offset kept in
 * the database, and gap-safe readers compare with the snapshot's xmin plus the same
 * offset. On the cluster that wrote the log the offset is 0 and nothing changes. A
 * restore into a brand-new cluster (whose transaction counter starts far below the ids
 * in the restored log) raises the offset past the log's highest tx_id
 * (`log_clock_realign()`, run by scripts/restore.sh), so that the restored history is
 * visible to gap-safe readers and new events sort after it (docs/adr/0008).
 */
export class LogClock1765200000000 implements MigrationInterface {
  name = 'LogClock1765200000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE log_clock (
        singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
        xid_offset bigint  NOT NULL DEFAULT 0 CHECK (xid_offset >= 0)
      )`);
    await db.query(`INSERT INTO log_clock DEFAULT VALUES`);
    await db.query(`
      CREATE FUNCTION log_xid_offset() RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT xid_offset FROM log_clock $$`);
    // The tx_id of an event appended by the current transaction.
    await db.query(`
      CREATE FUNCTION log_tx_id() RETURNS xid8 LANGUAGE sql VOLATILE
      AS $$ SELECT (pg_current_xact_id()::text::bigint + log_xid_offset())::text::xid8 $$`);
    // Events below it are committed or rolled back for good: no later commit sorts before it.
    await db.query(`
      CREATE FUNCTION log_xmin() RETURNS xid8 LANGUAGE sql STABLE PARALLEL SAFE
      AS $$ SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint + log_xid_offset())::text::xid8 $$`);
    // Run with the agents stopped, after a restore: never lowers the offset.
    await db.query(`
      CREATE FUNCTION log_clock_realign() RETURNS bigint LANGUAGE sql VOLATILE
      AS $$
        UPDATE log_clock SET xid_offset = greatest(
          xid_offset,
          coalesce((SELECT max(tx_id)::text::bigint FROM events), 0) + 1 - pg_current_xact_id()::text::bigint)
        RETURNING xid_offset
      $$`);
    await db.query(`ALTER TABLE events ALTER COLUMN tx_id SET DEFAULT log_tx_id()`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE events ALTER COLUMN tx_id SET DEFAULT pg_current_xact_id()`);
    await db.query(`DROP FUNCTION log_clock_realign`);
    await db.query(`DROP FUNCTION log_xmin`);
    await db.query(`DROP FUNCTION log_tx_id`);
    await db.query(`DROP FUNCTION log_xid_offset`);
    await db.query(`DROP TABLE log_clock`);
  }
}
