import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The write model (agents, tasks), the append-only event log and idempotency keys.
 * Every index here serves a named query; see docs/schema.md.
 */
export class InitialSchema1764115200000 implements MigrationInterface {
  name = 'InitialSchema1764115200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      CREATE TABLE agents (
        id          uuid PRIMARY KEY,
        name        varchar(255) NOT NULL,
        version     varchar(50)  NOT NULL,
        status      varchar(16)  NOT NULL CHECK (status IN ('active', 'paused', 'retired')),
        config      jsonb        NOT NULL DEFAULT '{}'::jsonb,
        revision    integer      NOT NULL CHECK (revision >= 1),
        open_tasks  integer      NOT NULL DEFAULT 0 CHECK (open_tasks >= 0),
        created_at  timestamptz  NOT NULL,
        updated_at  timestamptz  NOT NULL
      )`);
    await db.query(`CREATE UNIQUE INDEX agents_live_name_key ON agents (lower(name)) WHERE status <> 'retired'`);
    await db.query(`CREATE INDEX agents_created_idx ON agents (created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX agents_status_created_idx ON agents (status, created_at DESC, id DESC)`);

    await db.query(`
      CREATE TABLE tasks (
        id            uuid PRIMARY KEY,
        agent_id      uuid         NOT NULL REFERENCES agents (id),
        type          varchar(100) NOT NULL,
        status        varchar(16)  NOT NULL
                      CHECK (status IN ('pending', 'running', 'completed', 'failed', 'cancelled')),
        payload       jsonb        NOT NULL DEFAULT '{}'::jsonb,
        result        jsonb,
        error         text,
        revision      integer      NOT NULL CHECK (revision >= 1),
        created_at    timestamptz  NOT NULL,
        updated_at    timestamptz  NOT NULL,
        started_at    timestamptz,
        completed_at  timestamptz
      )`);
    // The seed's single-column indexes on agent_id, status and created_at, extended with
    // the keyset order (created_at DESC, id DESC) so each ListTasks filter is one range scan.
    await db.query(`CREATE INDEX tasks_created_idx ON tasks (created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX tasks_agent_created_idx ON tasks (agent_id, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX tasks_status_created_idx ON tasks (status, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX tasks_type_created_idx ON tasks (type, created_at DESC, id DESC)`);
    await db.query(`CREATE INDEX tasks_agent_status_created_idx ON tasks (agent_id, status, created_at DESC, id DESC)`);

    // tx_id makes gap-safe reading possible: readers only take rows whose transaction is
    // older than every transaction still in flight (docs/architecture.md, "The event log").
    await db.query(`
      CREATE TABLE events (
        position        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        tx_id           xid8         NOT NULL DEFAULT pg_current_xact_id(),
        aggregate_type  varchar(16)  NOT NULL CHECK (aggregate_type IN ('agent', 'task')),
        aggregate_id    uuid         NOT NULL,
        revision        integer      NOT NULL CHECK (revision >= 1),
        type            varchar(64)  NOT NULL,
        data            jsonb        NOT NULL,
        metadata        jsonb        NOT NULL,
        occurred_at     timestamptz  NOT NULL,
        CONSTRAINT events_aggregate_revision_key UNIQUE (aggregate_id, revision)
      )`);
    await db.query(`CREATE INDEX events_tx_order_idx ON events (tx_id, position)`);
    await db.query(`
      CREATE FUNCTION events_are_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'the event log is append-only: % is not allowed', TG_OP;
      END $$`);
    await db.query(`
      CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON events
      FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only()`);

    await db.query(`
      CREATE TABLE idempotency_keys (
        subject       text         NOT NULL,
        key           varchar(255) NOT NULL,
        request_hash  char(64)     NOT NULL,
        status_code   smallint     NOT NULL,
        response      jsonb        NOT NULL,
        created_at    timestamptz  NOT NULL DEFAULT now(),
        PRIMARY KEY (subject, key)
      )`);
    await db.query(`CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP TABLE idempotency_keys`);
    await db.query(`DROP TABLE events`);
    await db.query(`DROP FUNCTION events_are_append_only`);
    await db.query(`DROP TABLE tasks`);
    await db.query(`DROP TABLE agents`);
  }
}
