import { evolveTask, idInUse, OPEN_TASK_STATUSES, taskAlreadyExists, type TaskEvent, type TaskState } from '@app/domain';
import type { AggregatePersistence } from './aggregate-persistence.js';

export const taskPersistence: AggregatePersistence<TaskState, TaskEvent> = {
  type: 'task',
  evolve: evolveTask,

  // A submission counts as an open task in its agent's row, so that retiring (which
  // needs zero) and submitting serialize on that row; it only applies to an active agent.
  insert: (after) => ({
    ctes: `agent AS (
      UPDATE agents SET open_tasks = open_tasks + 1 WHERE id = $2 AND status = 'active' RETURNING id),
    state AS (
      INSERT INTO tasks (id, agent_id, type, status, payload, revision, created_at, updated_at)
      SELECT $1, agent.id, $3, $4, $5::jsonb, $6, $7, $7 FROM agent RETURNING id)`,
    params: [after.id, after.agentId, after.type, after.status, JSON.stringify(after.payload), after.revision, after.createdAt],
  }),

  update: (before, after) => {
    const closes = OPEN_TASK_STATUSES.includes(before.status) && !OPEN_TASK_STATUSES.includes(after.status);
    return {
      ctes: `state AS (
        UPDATE tasks SET status = $2, result = $3::jsonb, error = $4, revision = $5,
          updated_at = $6, started_at = $7, completed_at = $8
        WHERE id = $1 AND revision = $9 RETURNING agent_id),
      agent AS (
        UPDATE agents SET open_tasks = open_tasks - 1 WHERE $10::boolean AND id IN (SELECT agent_id FROM state))`,
      params: [
        after.id, after.status, after.result === null ? null : JSON.stringify(after.result), after.error,
        after.revision, after.updatedAt, after.startedAt, after.completedAt, before.revision, closes,
      ],
    };
  },

  uniqueViolation: (constraint, after) => {
    if (constraint === 'tasks_pkey') return taskAlreadyExists(after.id);
    // The first event of the new task met an agent's under the same id in the event log.
    if (constraint === 'events_aggregate_revision_key' && after.revision === 1) return idInUse(after.id);
    return undefined;
  },
};
