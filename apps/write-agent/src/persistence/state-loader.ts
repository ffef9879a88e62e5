import { Injectable } from '@nestjs/common';
import type { AgentState, TaskState } from '@app/domain';
import { agentFieldsOf } from '@app/platform';
import { PrimaryPool, type Transaction } from './primary-pool.js';
import { agentStateOf, taskStateOf, type AgentRow, type TaskRow } from './state-mappers.js';

const AGENT_COLUMNS = 'id, name, version, status, config, revision, created_at, updated_at';
const TASK_COLUMNS = `id, agent_id, type, status, payload, result, error, revision,
              created_at, updated_at, started_at, completed_at, timeout_seconds, deadline_at`;
/** Served by the partial index tasks_open_agent_idx (migrations/1764979200000-open-tasks-index.ts). */
const OPEN_TASKS = `SELECT count(*)::int FROM tasks WHERE agent_id = $1 AND status IN ('pending', 'running')`;

/**
 * Reads the current state of one aggregate from the primary, for a command to decide on.
 * Without a transaction a load is one plain statement (the optimistic path); inside one
 * (the locked path, docs/adr/0005-serializing-commands-per-aggregate.md) it locks the row
 * until the transaction ends.
 */
@Injectable()
export class StateLoader {
  constructor(private readonly db: PrimaryPool) {}

  /**
   * An agent as its own commands decide on it, with its open (pending or running) tasks
   * counted. Locked FOR UPDATE, the count is a second statement: its snapshot is taken
   * after the lock was granted, so it sees every submission that held the row before.
   */
  async agent(id: string, tx?: Transaction): Promise<AgentState | null> {
    if (!tx) {
      const [row] = await this.db.query<AgentRow>(
        `SELECT ${AGENT_COLUMNS}, (${OPEN_TASKS.replace('agent_id = $1', 'agent_id = a.id')}) AS open_tasks
         FROM agents a WHERE id = $1`,
        [id],
      );
      return row ? agentStateOf(row) : null;
    }
    const [row] = await tx.query<Omit<AgentRow, 'open_tasks'>>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE id = $1 FOR UPDATE`, [id]);
    if (!row) return null;
    const [{ count }] = await tx.query<{ count: number }>(OPEN_TASKS, [id]);
    return agentStateOf({ ...row, open_tasks: count });
  }

  /**
   * The agent a task is submitted to, without its open tasks (a submission does not need
   * them), locked FOR SHARE: submissions to one agent do not block each other, while
   * RetireAgent's FOR UPDATE waits for them and they wait for it.
   */
  async submissionTarget(id: string, tx: Transaction): Promise<Omit<AgentState, 'openTasks'> | null> {
    const [row] = await tx.query<Omit<AgentRow, 'open_tasks'>>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE id = $1 FOR SHARE`, [id]);
    return row ? agentFieldsOf(row) : null;
  }

  async task(id: string, tx?: Transaction): Promise<TaskState | null> {
    const [row] = await (tx ?? this.db).query<TaskRow>(
      `SELECT ${TASK_COLUMNS} FROM tasks WHERE id = $1${tx ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return row ? taskStateOf(row) : null;
  }
}
