import { evolveTask, idInUse, taskAlreadyExists, type TaskEvent, type TaskState } from '@app/domain';
import type { AggregatePersistence } from './aggregate-persistence.js';

export const taskPersistence: AggregatePersistence<TaskState, TaskEvent> = {
  type: 'task',
  evolve: evolveTask,

  // A submission holds its agent's row FOR SHARE until it commits, and only applies to an
  // active agent: submissions to one agent do not block each other, while RetireAgent
  // (FOR UPDATE) waits for them to commit, then counts their tasks; a submission that
  // waited for a retirement finds the agent retired (the lock re-reads the row).
  insert: (after) => ({
    ctes: `agent AS (
      SELECT id FROM agents WHERE id = $2 AND status = 'active' FOR SHARE),
    state AS (
      INSERT INTO tasks (id, agent_id, type, status, payload, revision, created_at, updated_at, timeout_seconds)
      SELECT $1, agent.id, $3, $4, $5::jsonb, $6, $7, $7, $8::int FROM agent RETURNING id)`,
    params: [after.id, after.agentId, after.type, after.status, JSON.stringify(after.payload), after.revision, after.createdAt, after.timeoutSeconds],
  }),

  update: (before, after) => ({
    ctes: `state AS (
      UPDATE tasks SET status = $2, result = $3::jsonb, error = $4, revision = $5,
        updated_at = $6, started_at = $7, completed_at = $8, deadline_at = $10
      WHERE id = $1 AND revision = $9 RETURNING id)`,
    params: [
      after.id, after.status, after.result === null ? null : JSON.stringify(after.result), after.error,
      after.revision, after.updatedAt, after.startedAt, after.completedAt, before.revision, after.deadlineAt,
    ],
  }),

  uniqueViolation: (constraint, after) => {
    if (constraint === 'tasks_pkey') return taskAlreadyExists(after.id);
    // The first event of the new task met an agent's under the same id in the event log.
    if (constraint === 'events_aggregate_revision_key' && after.revision === 1) return idInUse(after.id);
    return undefined;
  },
};
