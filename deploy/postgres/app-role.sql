-- The privileges of agent_fleet_app, the role the agents connect as (docs/deployment.md,
-- "Database roles"). It owns nothing and may only read and write rows: it cannot create,
-- alter or drop tables, so the schema is whatever the migrations, run as its owner, made.
--
-- Run it as the schema's owner (the role that runs the migrations), once the role exists:
--   psql "$MIGRATION_DATABASE_URL" -v ON_ERROR_STOP=1 -c "CREATE ROLE agent_fleet_app LOGIN PASSWORD '...'"
--   psql "$MIGRATION_DATABASE_URL" -v ON_ERROR_STOP=1 -f deploy/postgres/app-role.sql
-- It may run any number of times, before or after the migrations: it grants on what
-- exists, and the default privileges grant on every table, sequence and function the
-- owner creates later. docker-compose.yml runs it when the primary is first initialised
-- (deploy/postgres/primary-init.sh).

DO $$
BEGIN
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO agent_fleet_app', current_database());
END
$$;

GRANT USAGE ON SCHEMA public TO agent_fleet_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO agent_fleet_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO agent_fleet_app;
-- log_tx_id(), log_xmin() and the log clock's other functions (docs/adr/0008-log-clock.md).
GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO agent_fleet_app;

ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO agent_fleet_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO agent_fleet_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO agent_fleet_app;

-- The read agent's cqrs_projection_oldest_transaction_age_seconds reads other sessions'
-- transactions in pg_stat_activity, which needs pg_monitor (read-only statistics). Only
-- a role allowed to grant it can (a superuser, as in docker-compose.yml); elsewhere an
-- administrator grants it once, or the metric shows this role's own sessions only.
DO $$
BEGIN
  GRANT pg_monitor TO agent_fleet_app;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'pg_monitor was not granted to agent_fleet_app: ask a superuser to (docs/deployment.md, "Database roles")';
END
$$;
