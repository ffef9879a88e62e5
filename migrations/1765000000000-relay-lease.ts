import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The event relay's lease and checkpoint, one row per relay (`rabbitmq`), on the primary
 * next to the log it publishes: a flushed Redis cannot move it back, and a checkpoint
 * write is fenced by the epoch of the lease it was taken under, so a holder that froze
 * and lost the lease cannot move it either. docs/adr/0007-relay-in-the-write-agent.md.
 */
export class RelayLease1765000000000 implements MigrationInterface {
  name = 'RelayLease1765000000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE relay_leases (
        name varchar(64) PRIMARY KEY,
        holder varchar(200),
        epoch bigint NOT NULL DEFAULT 0 CHECK (epoch >= 0),
        expires_at timestamptz,
        checkpoint_tx xid8 NOT NULL DEFAULT '0',
        checkpoint_position bigint NOT NULL DEFAULT 0 CHECK (checkpoint_position >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE relay_leases`);
  }
}
