import { ApiProperty } from '@nestjs/swagger';
import { AGENT_STATUSES, TASK_STATUSES } from '@app/domain';

// The answers of the queries (read-model/views.ts), for the OpenAPI document.

class TaskCountsSchema {
  @ApiProperty() pending: number;
  @ApiProperty() running: number;
  @ApiProperty() completed: number;
  @ApiProperty() failed: number;
  @ApiProperty() cancelled: number;
  @ApiProperty() total: number;
}

class AgentCountsSchema {
  @ApiProperty() active: number;
  @ApiProperty() paused: number;
  @ApiProperty() retired: number;
  @ApiProperty() total: number;
}

export class AgentViewSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() version: string;
  @ApiProperty({ enum: AGENT_STATUSES }) status: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) config: object;
  @ApiProperty() revision: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiProperty({ type: TaskCountsSchema }) tasks: TaskCountsSchema;
}

export class TaskViewSchema {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) agentId: string;
  @ApiProperty() type: string;
  @ApiProperty({ enum: TASK_STATUSES }) status: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload: object;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) result: object | null;
  @ApiProperty({ type: 'string', nullable: true }) error: string | null;
  @ApiProperty() revision: number;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) startedAt: string | null;
  @ApiProperty({ type: 'string', format: 'date-time', nullable: true }) completedAt: string | null;
}

export class StatsSchema {
  @ApiProperty({ type: AgentCountsSchema }) agents: AgentCountsSchema;
  @ApiProperty({ type: TaskCountsSchema }) tasks: TaskCountsSchema;
}

export class AgentPageSchema {
  @ApiProperty({ type: [AgentViewSchema] }) items: AgentViewSchema[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as cursor for the next page; null on the last page' })
  nextCursor: string | null;
}

export class TaskPageSchema {
  @ApiProperty({ type: [TaskViewSchema] }) items: TaskViewSchema[];
  @ApiProperty({ type: 'string', nullable: true, description: 'Pass as cursor for the next page; null on the last page' })
  nextCursor: string | null;
}

class HistoryEventSchema {
  @ApiProperty({ example: 'TaskStarted' }) type: string;
  @ApiProperty({ format: 'uuid' }) aggregateId: string;
  @ApiProperty() revision: number;
  @ApiProperty({ type: 'object', additionalProperties: true }) data: object;
  @ApiProperty({ format: 'date-time' }) occurredAt: string;
}

export class HistorySchema {
  @ApiProperty({ type: [HistoryEventSchema], description: 'In revision order' }) items: HistoryEventSchema[];
}
