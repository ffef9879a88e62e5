import { Injectable } from '@nestjs/common';
import type { AgentState, TaskState } from '@app/domain';
import { PrimaryPool } from './primary-pool.js';
import { agentStateOf, taskStateOf, type AgentRow, type TaskRow } from './state-mappers.js';

/** Reads the current state of one aggregate from the primary, for a command to decide on. */
@Injectable()
export class StateLoader {
  constructor(private readonly db: PrimaryPool) {}

  async agent(id: string): Promise<AgentState | null> {
    const [row] = await this.db.query<AgentRow>(
      `SELECT id, name, version, status, config, revision, open_tasks, created_at, updated_at
       FROM agents WHERE id = $1`,
      [id],
    );
    return row ? agentStateOf(row) : null;
  }

  async task(id: string): Promise<TaskState | null> {
    const [row] = await this.db.query<TaskRow>(
      `SELECT id, agent_id, type, status, payload, result, error, revision,
              created_at, updated_at, started_at, completed_at
       FROM tasks WHERE id = $1`,
      [id],
    );
    return row ? taskStateOf(row) : null;
  }
}
