import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Task deadlines: a submission may give the task a timeout, and starting it sets its
 * deadline. The write agent's sweeper fails running tasks past it, finding them through
 * the partial index (running tasks with a deadline only); docs/schema.md.
 */
export class TaskDeadlines1765100000000 implements MigrationInterface {
  name = 'TaskDeadlines1765100000000';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`
      ALTER TABLE tasks
        ADD COLUMN timeout_seconds integer CHECK (timeout_seconds BETWEEN 1 AND 86400),
        ADD COLUMN deadline_at timestamptz`);
    await db.query(`CREATE INDEX tasks_running_deadline_idx ON tasks (deadline_at) WHERE status = 'running' AND deadline_at IS NOT NULL`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`DROP INDEX tasks_running_deadline_idx`);
    await db.query(`ALTER TABLE tasks DROP COLUMN deadline_at, DROP COLUMN timeout_seconds`);
  }
}
