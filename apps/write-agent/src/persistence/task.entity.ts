import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JsonObject, TaskStatus } from '@app/domain';

@Entity('tasks')
export class TaskEntity {
  @PrimaryColumn('uuid') id: string;
  @Column('uuid', { name: 'agent_id' }) agentId: string;
  @Column('varchar', { length: 100 }) type: string;
  @Column('varchar', { length: 16 }) status: TaskStatus;
  @Column('jsonb') payload: JsonObject;
  @Column('jsonb', { nullable: true }) result: JsonObject | null;
  @Column('text', { nullable: true }) error: string | null;
  @Column('integer') revision: number;
  @Column('timestamptz', { name: 'created_at' }) createdAt: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt: Date | null;
  @Column('timestamptz', { name: 'completed_at', nullable: true }) completedAt: Date | null;
}
