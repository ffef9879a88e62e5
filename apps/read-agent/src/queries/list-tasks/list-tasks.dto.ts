import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { TASK_STATUSES, type TaskStatus } from '@app/domain';
import { LowerCaseUuid } from '@app/platform';
import { PageQueryDto } from '../../http/page-query.dto.js';

export class ListTasksDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Tasks of this agent (any letter case)' })
  @IsOptional()
  @LowerCaseUuid()
  agentId?: string;

  @ApiPropertyOptional({ enum: TASK_STATUSES })
  @IsOptional()
  @IsIn(TASK_STATUSES, { message: `status must be one of ${TASK_STATUSES.join(', ')}` })
  status?: TaskStatus;

  @ApiPropertyOptional({ minLength: 1, maxLength: 100, pattern: '^[a-z0-9][a-z0-9._:-]*$', example: 'crawl.page' })
  @IsOptional()
  @IsString({ message: 'type must be sent once' })
  @Length(1, 100, { message: 'type must be 1 to 100 characters long' })
  @Matches(/^[a-z0-9][a-z0-9._:-]*$/, { message: 'type must be a task type: a-z, 0-9, ".", "_", ":", "-", starting with a-z or 0-9' })
  type?: string;
}
