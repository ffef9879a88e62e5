import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Submissions no longer count themselves on their agent's row (that made every
 * submission to one agent queue on one row lock): RetireAgent counts the agent's open
 * tasks itself, under the agent's row lock, through this partial index; the counter
 * column goes. docs/adr/0005-serializing-commands-per-aggregate.md.
 */
export class OpenTasksIndex1764979200000 implements MigrationInterface {
  name = 'OpenTasksIndex1764979200000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`CREATE INDEX tasks_open_agent_idx ON tasks (agent_id) WHERE status IN ('pending', 'running')`);
    await db.query(`ALTER TABLE agents DROP COLUMN open_tasks`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE agents ADD COLUMN open_tasks integer NOT NULL DEFAULT 0 CHECK (open_tasks >= 0)`);
    await db.query(`
      UPDATE agents a SET open_tasks = (
        SELECT count(*) FROM tasks t WHERE t.agent_id = a.id AND t.status IN ('pending', 'running'))`);
    await db.query(`DROP INDEX tasks_open_agent_idx`);
  }
}
