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
      INSERT INTO agents (id, name, version, status, config, revision, created_at, updated_at)
      VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $7) RETURNING id)`,
    params: [after.id, after.name, after.version, after.status, JSON.stringify(after.config), after.revision, after.createdAt],
  }),

  // Retiring also needs no open task at write time. RetireAgent always runs on the locked
  // path (the row FOR UPDATE, then this statement with a snapshot taken after the lock), so
  // every submission that held the row FOR SHARE before has committed and is seen here;
  // later ones wait for the lock and then find the agent retired.
  update: (before, after) => ({
    ctes: `state AS (
      UPDATE agents SET name = $2, version = $3, status = $4, config = $5::jsonb, revision = $6, updated_at = $7
      WHERE id = $1 AND revision = $8 AND ($4 <> 'retired' OR NOT EXISTS (
        SELECT 1 FROM tasks WHERE agent_id = $1 AND status IN ('pending', 'running'))) RETURNING id)`,
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
