import {
  agentAlreadyExists,
  agentNameTaken,
  evolveAgent,
  idInUse,
  type AgentEvent,
  type AgentState,
} from '@app/domain';
import type { AggregatePersistence } from './aggregate-persistence.js';

export const agentPersistence: AggregatePersistence<AgentState, AgentEvent> = {
  type: 'agent',
  evolve: evolveAgent,

  insert: (after) => ({
    ctes: `state AS (
      INSERT INTO agents (id, name, version, status, config, revision, open_tasks, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5::jsonb, $6, 0, $7, $7) RETURNING id)`,
    params: [after.id, after.name, after.version, after.status, JSON.stringify(after.config), after.revision, after.createdAt],
  }),

  // Retiring also needs zero open tasks at write time: a submission that committed after
  // the load makes this guard fail, and the retry decides again on fresh state.
  update: (before, after) => ({
    ctes: `state AS (
      UPDATE agents SET name = $2, version = $3, status = $4, config = $5::jsonb, revision = $6, updated_at = $7
      WHERE id = $1 AND revision = $8 AND ($4 <> 'retired' OR open_tasks = 0) RETURNING id)`,
    params: [after.id, after.name, after.version, after.status, JSON.stringify(after.config), after.revision, after.updatedAt, before.revision],
  }),

  uniqueViolation: (constraint, after) => {
    if (constraint === 'agents_pkey') return agentAlreadyExists(after.id);
    if (constraint === 'agents_live_name_key') return agentNameTaken(after.name);
    // The first event of the new agent met a task's under the same id in the event log.
    if (constraint === 'events_aggregate_revision_key' && after.revision === 1) return idInUse(after.id);
    return undefined;
  },
};
