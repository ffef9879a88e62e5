import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { AgentStatus, JsonObject } from '@app/domain';

@Entity('agents')
export class AgentEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('varchar', { length: 255 }) name: string;
  @Column('varchar', { length: 50 }) version: string;
  @Column('varchar', { length: 16 }) status: AgentStatus;
  @Column('jsonb') config: JsonObject;
  @Column('integer') revision: number;
  @Column('integer', { name: 'open_tasks' }) openTasks: number;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
}
