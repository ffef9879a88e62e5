import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AgentState, TaskState } from '@app/domain';
import { AgentEntity } from './agent.entity.js';
import { agentStateOf, taskStateOf } from './state-mappers.js';
import { TaskEntity } from './task.entity.js';

/** Reads the current state of one aggregate from the primary, for a command to decide on. */
@Injectable()
export class StateLoader {
  constructor(private readonly dataSource: DataSource) {}

  async agent(id: string): Promise<AgentState | null> {
    const row = await this.dataSource.manager.findOneBy(AgentEntity, { id });
    return row ? agentStateOf(row) : null;
  }

  async task(id: string): Promise<TaskState | null> {
    const row = await this.dataSource.manager.findOneBy(TaskEntity, { id });
    return row ? taskStateOf(row) : null;
  }
}
